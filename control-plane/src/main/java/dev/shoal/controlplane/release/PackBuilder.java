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
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
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

  private final Path buildDir;
  private final Path staging;
  private final Map<String, Source> sources = new LinkedHashMap<>();
  private final List<FileEntry> files = new ArrayList<>();
  private final List<ChunkEntry> chunks = new ArrayList<>();

  PackBuilder(Path buildDir, Path staging) {
    this.buildDir = buildDir;
    this.staging = staging;
  }

  /** Chunks every file (paths sorted, as the pack layout walks them); progress 0..1. */
  void chunk(List<String> paths, DoubleConsumer progress) throws IOException {
    long total = 0;
    for (String p : paths) {
      total += Files.size(buildDir.resolve(p));
    }
    long done = 0;
    for (String p : paths.stream().sorted().toList()) {
      Path file = buildDir.resolve(p);
      FileChunks scanned;
      try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
        scanned = ChunkScanner.scan(in);
      }
      for (ChunkRef ref : scanned.chunks()) {
        if (sources.putIfAbsent(ref.id(), new Source(file, ref.offset(), ref.size())) == null) {
          chunks.add(ChunkEntry.of(ref.id(), ref.size()));
        }
      }
      files.add(new FileEntry(p, scanned.size(), mode(file), scanned.sha256(), scanned.chunkIds()));
      done += scanned.size();
      progress.accept(total == 0 ? 1 : (double) done / total);
    }
  }

  List<FileEntry> files() {
    return files;
  }

  List<ChunkEntry> chunks() {
    return chunks;
  }

  /**
   * Encrypts every chunk into {@code full.pack} at its layout offset, two chunks at a time per
   * core; the deterministic nonce makes the result independent of the order of work.
   */
  PackLayout encryptFullPack(ReleaseManifest unpacked, ChunkCipher cipher, int threads)
      throws IOException {
    PackLayout layout = PackLayout.full(unpacked);
    Path pack = staging.resolve("full.pack");
    try (FileChannel out =
        FileChannel.open(
            pack,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            StandardOpenOption.READ)) {
      ForkJoinPool pool = new ForkJoinPool(threads);
      try {
        pool.submit(
                () ->
                    layout.slots().parallelStream().forEach(slot -> encryptInto(out, slot, cipher)))
            .get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted while encrypting", e);
      } catch (ExecutionException e) {
        throw e.getCause() instanceof UncheckedIOException u
            ? u.getCause()
            : new IOException("Encryption failed: " + e.getCause().getMessage(), e.getCause());
      } finally {
        pool.shutdown();
      }
      out.force(false);
    }
    return layout;
  }

  private void encryptInto(FileChannel out, PackLayout.Slot slot, ChunkCipher cipher) {
    Source source = sources.get(slot.chunkId());
    try (FileChannel in = FileChannel.open(source.file(), StandardOpenOption.READ)) {
      ByteBuffer plain = ByteBuffer.allocate(source.size());
      long position = source.offset();
      while (plain.hasRemaining()) {
        if (in.read(plain, position + plain.position()) < 0) {
          throw new IOException(source.file() + " changed while the release was built");
        }
      }
      byte[] sealed = cipher.encrypt(Hex.decode(slot.chunkId()), plain.array(), 0, source.size());
      ByteBuffer buffer = ByteBuffer.wrap(sealed);
      long at = slot.offset();
      while (buffer.hasRemaining()) {
        at += out.write(buffer, at);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Hashes the full pack's pieces and makes its torrent. */
  BuiltPack finishFullPack(PackLayout layout, String name, String announceUrl) throws IOException {
    int pieceLength = PackLayout.pieceLengthFor(layout.totalSize());
    PackWriter.PieceHasher hasher = new PackWriter.PieceHasher(pieceLength);
    try (InputStream in = Files.newInputStream(staging.resolve("full.pack"))) {
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = in.read(buffer)) > 0) {
        hasher.update(buffer, 0, n);
      }
    }
    return built(PackEntry.FULL, null, layout, hasher.finish(), "full.pack", name, announceUrl);
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
