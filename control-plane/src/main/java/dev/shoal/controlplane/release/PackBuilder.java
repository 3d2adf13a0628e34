package dev.shoal.controlplane.release;

import dev.shoal.protocol.Hex;
import dev.shoal.protocol.chunking.ChunkRef;
import dev.shoal.protocol.chunking.ChunkScanner;
import dev.shoal.protocol.chunking.FileChunks;
import dev.shoal.protocol.crypto.ChunkCipher;
import dev.shoal.protocol.manifest.ChunkEntry;
import dev.shoal.protocol.manifest.FileEntry;
import dev.shoal.protocol.manifest.PackEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.pack.PackLayout;
import dev.shoal.protocol.pack.PackReader;
import dev.shoal.protocol.pack.PackWriter;
import dev.shoal.protocol.pack.PieceHashes;
import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.protocol.torrent.MetainfoException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.DoubleConsumer;

/**
 * The file work of one release, with no database: chunk the build's files, encrypt the chunks into
 * the full pack (on every core), write delta packs against earlier releases, hash pieces and make
 * the torrents. Everything lands in a staging directory that the pipeline moves into place.
 */
final class PackBuilder {

  /** A packed file with its torrent, as the pipeline records it. */
  record BuiltPack(PackEntry entry, String fileName, byte[] torrent) {}

  /** Where a chunk's plaintext is first found in the build. */
  private record Source(Path file, long offset, int size) {}

  // Bytes read or hashed per step of the parallel passes: large enough that a task's overhead
  // does not matter, small enough that the last tasks do not leave cores idle for long.
  private static final int READ_BUFFER = 1 << 20;

  private final Path buildDir;
  private final Path staging;
  private final ExecutorService workers;
  private final int threads;
  private final Map<String, Source> sources = new LinkedHashMap<>();
  private final List<FileEntry> files = new ArrayList<>();
  private final List<ChunkEntry> chunks = new ArrayList<>();

  /** {@code workers} runs the parallel passes, at most {@code threads} tasks at a time. */
  PackBuilder(Path buildDir, Path staging, ExecutorService workers, int threads) {
    this.buildDir = buildDir;
    this.staging = staging;
    this.workers = workers;
    this.threads = threads;
  }

  /** One file chunked: what the manifest needs of it. */
  private record Scanned(String path, Path file, FileChunks chunks, int mode) {}

  /**
   * Chunks every file, files in parallel; the results are merged in sorted path order (as the pack
   * layout walks them), so the manifest does not depend on which file finished first. Progress
   * 0..1.
   */
  void chunk(List<String> paths, DoubleConsumer progress) throws IOException {
    List<String> sorted = paths.stream().sorted().toList();
    long total = 0;
    for (String p : sorted) {
      total += Files.size(buildDir.resolve(p));
    }
    List<Future<Scanned>> scans = new ArrayList<>();
    for (String p : sorted) {
      scans.add(workers.submit(() -> scan(p)));
    }
    long done = 0;
    try {
      for (Future<Scanned> future : scans) {
        Scanned scanned = await(future);
        for (ChunkRef ref : scanned.chunks().chunks()) {
          if (sources.putIfAbsent(ref.id(), new Source(scanned.file(), ref.offset(), ref.size()))
              == null) {
            chunks.add(ChunkEntry.of(ref.id(), ref.size()));
          }
        }
        FileChunks c = scanned.chunks();
        files.add(
            new FileEntry(scanned.path(), c.size(), scanned.mode(), c.sha256(), c.chunkIds()));
        done += c.size();
        progress.accept(total == 0 ? 1 : (double) done / total);
      }
    } finally {
      scans.forEach(f -> f.cancel(true));
    }
  }

  private Scanned scan(String path) throws IOException {
    Path file = buildDir.resolve(path);
    try (InputStream in = Files.newInputStream(file)) {
      return new Scanned(path, file, ChunkScanner.scan(in), mode(file));
    }
  }

  /** The task's result; its failure as the IOException (or unchecked exception) it was. */
  private static <T> T await(Future<T> future) throws IOException {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while building the release", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException("Release step failed: " + cause, cause);
    }
  }

  /** Runs the tasks on the workers and waits for all; the first failure is thrown. */
  private void runAll(List<Callable<Void>> tasks) throws IOException {
    List<Future<Void>> futures = new ArrayList<>();
    try {
      for (Callable<Void> task : tasks) {
        futures.add(workers.submit(task));
      }
      for (Future<Void> future : futures) {
        await(future);
      }
    } finally {
      futures.forEach(f -> f.cancel(true));
    }
  }

  /** Splits {@code 0..count} into about four ranges per thread, in order. */
  private List<int[]> ranges(int count) {
    int parts = Math.max(1, Math.min(count, threads * 4));
    List<int[]> ranges = new ArrayList<>();
    for (int i = 0; i < parts; i++) {
      int from = (int) ((long) count * i / parts);
      int to = (int) ((long) count * (i + 1) / parts);
      if (from < to) {
        ranges.add(new int[] {from, to});
      }
    }
    return ranges;
  }

  List<FileEntry> files() {
    return files;
  }

  List<ChunkEntry> chunks() {
    return chunks;
  }

  /**
   * Encrypts every chunk into {@code full.pack} at its layout offset, runs of consecutive chunks on
   * the workers; the deterministic nonce makes the result independent of the order of work.
   */
  PackLayout encryptFullPack(ReleaseManifest unpacked, ChunkCipher cipher) throws IOException {
    PackLayout layout = PackLayout.full(unpacked);
    Path pack = staging.resolve("full.pack");
    try (FileChannel out =
        FileChannel.open(
            pack,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            StandardOpenOption.READ)) {
      List<PackLayout.Slot> slots = layout.slots();
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int[] range : ranges(slots.size())) {
        tasks.add(
            () -> {
              encryptInto(out, slots.subList(range[0], range[1]), cipher);
              return null;
            });
      }
      runAll(tasks);
      out.force(false);
    }
    return layout;
  }

  /**
   * Encrypts a run of slots: consecutive slots mostly come from one file, which stays open; one
   * plaintext and one ciphertext buffer serve the whole run.
   */
  private void encryptInto(FileChannel out, List<PackLayout.Slot> slots, ChunkCipher cipher)
      throws IOException {
    byte[] plain = new byte[0];
    byte[] sealed = new byte[0];
    Path open = null;
    FileChannel in = null;
    try {
      for (PackLayout.Slot slot : slots) {
        Source source = sources.get(slot.chunkId());
        if (!source.file().equals(open)) {
          if (in != null) {
            in.close();
          }
          in = FileChannel.open(source.file(), StandardOpenOption.READ);
          open = source.file();
        }
        int size = source.size();
        if (plain.length < size) {
          plain = new byte[size];
          sealed = new byte[size + ChunkCipher.TAG_BYTES];
        }
        ByteBuffer buffer = ByteBuffer.wrap(plain, 0, size);
        while (buffer.hasRemaining()) {
          if (in.read(buffer, source.offset() + buffer.position()) < 0) {
            throw new IOException(source.file() + " changed while the release was built");
          }
        }
        int n = cipher.encrypt(Hex.decode(slot.chunkId()), plain, 0, size, sealed, 0);
        ByteBuffer encrypted = ByteBuffer.wrap(sealed, 0, n);
        long at = slot.offset();
        while (encrypted.hasRemaining()) {
          at += out.write(encrypted, at);
        }
      }
    } finally {
      if (in != null) {
        in.close();
      }
    }
  }

  /** Hashes the full pack's pieces (ranges of pieces on the workers) and makes its torrent. */
  BuiltPack finishFullPack(PackLayout layout, String name, String announceUrl) throws IOException {
    int pieceLength = PackLayout.pieceLengthFor(layout.totalSize());
    long total = layout.totalSize();
    int pieces = (int) ((total + pieceLength - 1) / pieceLength);
    byte[] sha1 = new byte[20 * pieces];
    String[] sha256 = new String[pieces];
    try (FileChannel in = FileChannel.open(staging.resolve("full.pack"), StandardOpenOption.READ)) {
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int[] range : ranges(pieces)) {
        tasks.add(
            () -> {
              hashPieces(in, range[0], range[1], pieceLength, total, sha1, sha256);
              return null;
            });
      }
      runAll(tasks);
    }
    PieceHashes hashes = new PieceHashes(pieceLength, sha1, List.of(sha256), total);
    return built(PackEntry.FULL, null, layout, hashes, "full.pack", name, announceUrl);
  }

  private static void hashPieces(
      FileChannel in,
      int from,
      int to,
      int pieceLength,
      long total,
      byte[] sha1Out,
      String[] sha256Out)
      throws IOException {
    MessageDigest sha1 = digest("SHA-1");
    MessageDigest sha256 = digest("SHA-256");
    byte[] buf = new byte[Math.min(pieceLength, READ_BUFFER)];
    for (int piece = from; piece < to; piece++) {
      long start = (long) piece * pieceLength;
      long end = Math.min(total, start + pieceLength);
      for (long at = start; at < end; ) {
        ByteBuffer buffer = ByteBuffer.wrap(buf, 0, (int) Math.min(buf.length, end - at));
        while (buffer.hasRemaining()) {
          if (in.read(buffer, at + buffer.position()) < 0) {
            throw new IOException("full.pack is shorter than its layout");
          }
        }
        sha1.update(buf, 0, buffer.position());
        sha256.update(buf, 0, buffer.position());
        at += buffer.position();
      }
      try {
        sha1.digest(sha1Out, 20 * piece, 20);
      } catch (DigestException e) {
        throw new IllegalStateException(e);
      }
      sha256Out[piece] = Hex.encode(sha256.digest());
    }
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The delta pack from {@code base}, or null when the base already has every chunk. */
  BuiltPack deltaPack(
      ReleaseManifest base,
      ReleaseManifest unpacked,
      PackLayout fullLayout,
      String name,
      String announceUrl)
      throws IOException {
    PackLayout layout = PackLayout.delta(base, unpacked);
    if (layout.totalSize() == 0) {
      return null;
    }
    String fileName = "delta-from-" + base.version() + ".pack";
    int pieceLength = PackLayout.pieceLengthFor(layout.totalSize());
    PieceHashes hashes;
    try (PackReader full = new PackReader(staging.resolve("full.pack"), fullLayout)) {
      hashes =
          PackWriter.write(
              layout,
              id -> {
                try {
                  return full.readChunk(id);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              },
              staging.resolve(fileName),
              pieceLength);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return built(PackEntry.DELTA, base.version(), layout, hashes, fileName, name, announceUrl);
  }

  private BuiltPack built(
      String kind,
      Long baseVersion,
      PackLayout layout,
      PieceHashes hashes,
      String fileName,
      String name,
      String announceUrl)
      throws IOException {
    byte[] torrent =
        Metainfo.createPrivate(
            announceUrl, name, layout.totalSize(), hashes.pieceLength(), hashes.sha1());
    String infoHash;
    try {
      infoHash = Metainfo.parse(torrent).infoHashHex();
    } catch (MetainfoException e) {
      throw new IllegalStateException("Made an unparseable torrent", e);
    }
    Files.write(staging.resolve(fileName + ".torrent"), torrent);
    PackEntry entry =
        new PackEntry(
            kind,
            baseVersion,
            infoHash,
            hashes.pieceLength(),
            layout.totalSize(),
            hashes.sha256(),
            layout.chunkIds());
    return new BuiltPack(entry, fileName, torrent);
  }

  private static int mode(Path file) throws IOException {
    if (!Files.getFileStore(file).supportsFileAttributeView("posix")) {
      return 0644;
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    // Executable bits matter to installs; the rest is normalised so that uploads by different
    // tools give the same manifest.
    return perms.contains(PosixFilePermission.OWNER_EXECUTE) ? 0755 : 0644;
  }
}
