package dev.shoal.testkit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.install.ChunkSource;
import dev.shoal.agent.install.Installer;
import dev.shoal.protocol.chunking.ChunkRef;
import dev.shoal.protocol.chunking.ChunkScanner;
import dev.shoal.protocol.chunking.FileChunks;
import dev.shoal.protocol.manifest.ChunkEntry;
import dev.shoal.protocol.manifest.FileEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Manifests;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The install side of an update: a build of {@code shoal.bench.installBytes} (default 4 GiB, 16
 * files of random bytes plus a small one) installed, then a second version with about 1 % changed
 * across 3 files (rewritten in place, same sizes), one small file added and one removed. Measured
 * in a new directory under {@code shoal.bench.dir} (default: a JUnit temporary directory; point it
 * at an XFS mount with reflink to measure clones), for the agent's update in place and, in the same
 * run, for the full staging that every update did before (reproduced with the public API: the whole
 * new version built in a staging directory next to the install, every chunk read and hashed, then
 * renamed into place):
 *
 * <ul>
 *   <li>bytes written: this process's {@code write_bytes} from {@code /proc/self/io} (bytes it
 *       dirtied for the block layer; clones share blocks and count nothing; -1 where there is no
 *       {@code /proc});
 *   <li>peak extra space: the largest drop of the file system's usable space during the update,
 *       polled every 5 ms (another writer on the same disk disturbs it);
 *   <li>time: wall clock of {@code Installer.install}.
 * </ul>
 *
 * Chunks come from the v2 build's files (no pack, no decryption: the pack cache is not the install
 * side). Prints {@code key=value} figures on its last line. Targets (issue "Updates that touch only
 * what changed"): bytes written and extra space &le; 1.5 &times; the changed files' sizes on ext4,
 * &le; 1.5 &times; the changed bytes with clones.
 */
@Tag("benchmark")
class InstallUpdateBenchmark {
  private static final int FILES = 16;
  private static final int SMALL = 64 * 1024;

  @TempDir Path temp;

  @Test
  void anUpdateWith1PercentChangedWritesAboutTheChangedFilesNotTheGame() throws Exception {
    String dir = System.getProperty("shoal.bench.dir");
    Path base = dir == null ? temp : Files.createTempDirectory(Path.of(dir), "install-bench-");
    try {
      run(base);
    } finally {
      if (dir != null) {
        DataDir.deleteTree(base, () -> {});
      }
    }
  }

  private void run(Path temp) throws Exception {
    long total = Long.getLong("shoal.bench.installBytes", 4L << 30);
    long fileSize = total / FILES;
    long region = Math.max(1, total / 100 / 3);
    Path build = temp.resolve("build");
    for (int i = 0; i < FILES; i++) {
      GameBuilds.randomFile(build, String.format("data/part-%02d.pak", i), fileSize, 300 + i);
    }
    GameBuilds.randomFile(build, "old-notes.bin", SMALL, 299);
    Built v1 = Built.scan(build, 1);
    Path game = Files.createDirectories(temp.resolve("games")).resolve("game");
    Installer installer = new Installer(DataDir.open(temp.resolve("data")), game, "game", "live");
    installer.install(v1.manifest(), v1.source());

    // v2: three regions rewritten (start, middle, end of three files), one file gone, one new.
    long[][] changes = {{2, 0}, {7, fileSize / 2}, {13, fileSize - region}};
    long changedFiles = 0;
    for (long[] c : changes) {
      Path file = build.resolve(String.format("data/part-%02d.pak", c[0]));
      GameBuilds.overwriteRandom(file, c[1], region, 900 + c[0]);
      changedFiles += fileSize;
    }
    Files.delete(build.resolve("old-notes.bin"));
    GameBuilds.randomFile(build, "new-notes.bin", SMALL, 298);
    changedFiles += SMALL;
    long changedBytes = 3 * region + SMALL;
    Built v2 = Built.scan(build, 2);

    Measured inPlace = measure(game, () -> installer.install(v2.manifest(), v2.source()));
    assertThat(installer.verify()).isEmpty();

    // Before: the whole of v2 staged next to the install and renamed into place.
    Path staged = temp.resolve("games").resolve("game-staged");
    Installer before =
        new Installer(DataDir.open(temp.resolve("data-staged")), staged, "game", "live");
    Measured full = measure(game, () -> before.install(v2.manifest(), v2.source()));
    assertThat(before.verify()).isEmpty();

    FileStore store = Files.getFileStore(game);
    System.out.println(
        String.format(
            Locale.ROOT,
            "fs=%s build_bytes=%d changed_bytes=%d changed_files_bytes=%d"
                + " inplace_bytes_written=%d inplace_peak_extra_bytes=%d inplace_seconds=%.3f"
                + " staged_bytes_written=%d staged_peak_extra_bytes=%d staged_seconds=%.3f"
                + " inplace_written_per_changed_file_byte=%.3f load=%s",
            store.type(),
            v2.bytes(),
            changedBytes,
            changedFiles,
            inPlace.bytesWritten(),
            inPlace.peakExtra(),
            inPlace.seconds(),
            full.bytesWritten(),
            full.peakExtra(),
            full.seconds(),
            (double) inPlace.bytesWritten() / changedFiles,
            Bench.load()));
  }

  @FunctionalInterface
  interface Update {
    void run() throws Exception;
  }

  record Measured(long bytesWritten, long peakExtra, double seconds) {}

  /** Runs {@code update}, polling the usable space of {@code dir}'s file system meanwhile. */
  static Measured measure(Path dir, Update update) throws Exception {
    FileStore store = Files.getFileStore(dir);
    long free0 = store.getUsableSpace();
    AtomicLong lowest = new AtomicLong(free0);
    Thread poller =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                try {
                  lowest.accumulateAndGet(store.getUsableSpace(), Math::min);
                  Thread.sleep(5);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "free-space-poller");
    poller.setDaemon(true);
    poller.start();
    long written0 = writeBytes();
    long t0 = System.nanoTime();
    update.run();
    double seconds = (System.nanoTime() - t0) / 1e9;
    long written = writeBytes() - written0;
    poller.interrupt();
    poller.join();
    return new Measured(written0 < 0 ? -1 : written, free0 - lowest.get(), seconds);
  }

  /** {@code write_bytes} of this process, or -1 without {@code /proc}. */
  static long writeBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
        if (line.startsWith("write_bytes:")) {
          return Long.parseLong(line.substring("write_bytes:".length()).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return -1;
  }

  /** A build on disk, its manifest, and where each chunk lies in its files. */
  record Built(ReleaseManifest manifest, Map<String, Location> locations, long bytes) {
    record Location(Path file, long offset, int size) {}

    static Built scan(Path dir, long version) throws IOException {
      List<FileEntry> files = new ArrayList<>();
      Map<String, ChunkEntry> table = new LinkedHashMap<>();
      Map<String, Location> locations = new HashMap<>();
      long bytes = 0;
      for (Path file : GameBuilds.regularFiles(dir)) {
        FileChunks fc;
        try (InputStream in = Files.newInputStream(file)) {
          fc = ChunkScanner.scan(in);
        }
        for (ChunkRef ref : fc.chunks()) {
          table.putIfAbsent(ref.id(), ChunkEntry.of(ref.id(), ref.size()));
          locations.putIfAbsent(ref.id(), new Location(file, ref.offset(), ref.size()));
        }
        String path = dir.relativize(file).toString().replace('\\', '/');
        files.add(new FileEntry(path, fc.size(), 0644, fc.sha256(), fc.chunkIds()));
        bytes += fc.size();
      }
      ReleaseManifest m =
          Manifests.of(version, Instant.parse("2099-01-01T00:00:00Z"), files, table.values());
      return new Built(m, locations, bytes);
    }

    /** Reads chunks from the build's files as they are now (the installer hashes each). */
    ChunkSource source() {
      return id -> {
        Location at = locations.get(id);
        if (at == null) {
          throw new IOException("no chunk " + id);
        }
        ByteBuffer b = ByteBuffer.allocate(at.size());
        try (FileChannel ch = FileChannel.open(at.file(), StandardOpenOption.READ)) {
          while (b.hasRemaining()) {
            if (ch.read(b, at.offset() + b.position()) < 0) {
              throw new IOException("short file " + at.file());
            }
          }
        }
        return b.array();
      };
    }
  }
}
