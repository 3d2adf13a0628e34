package dev.shoal.controlplane.release;

import dev.shoal.protocol.Hex;
import dev.shoal.protocol.chunking.ChunkRef;
import dev.shoal.protocol.chunking.ChunkScanner;
import dev.shoal.protocol.chunking.FileChunks;
import dev.shoal.protocol.crypto.ChunkCipher;
import dev.shoal.protocol.manifest.ChunkEntry;
import dev.shoal.protocol.manifest.FileEntry;
import dev.shoal.protocol.manifest.PackEntry;
import dev.shoal.protocol.manifest.PatchEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.pack.PackLayout;
import dev.shoal.protocol.pack.PackReader;
import dev.shoal.protocol.pack.PackWriter;
import dev.shoal.protocol.pack.PieceHashes;
import dev.shoal.protocol.patch.ChunkPatch;
import dev.shoal.protocol.patch.PatchBases;
import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.protocol.torrent.MetainfoException;
import java.io.Closeable;
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
import java.util.HashMap;
import java.util.HashSet;
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
    return built(null, layout, List.of(), hashes, "full.pack", name, announceUrl);
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

  /**
   * Plaintext chunks of an earlier release, read from its full pack with its content key: what
   * patches are computed against. Thread-safe.
   */
  static final class BaseChunks implements Closeable {
    private final PackReader reader;
    private final ChunkCipher cipher;

    BaseChunks(Path fullPack, ReleaseManifest base, byte[] contentKey) throws IOException {
      this.reader = new PackReader(fullPack, PackLayout.of(base.fullPack(), base));
      this.cipher = new ChunkCipher(contentKey);
    }

    byte[] chunk(String id) throws IOException {
      return cipher.decrypt(id, reader.readChunk(id));
    }

    @Override
    public void close() throws IOException {
      reader.close();
    }
  }

  /** A patch computed for a delta pack: its entry and its plaintext bytes. */
  private record Patch(PatchEntry entry, byte[] bytes) {}

  /**
   * The delta pack from {@code base}, or null when the base already has every chunk. With {@code
   * baseChunks}, a chunk that replaces bytes of the same file in the base travels as a patch
   * against those bytes when that is smaller (computed on the workers); otherwise whole.
   */
  BuiltPack deltaPack(
      ReleaseManifest base,
      BaseChunks baseChunks,
      ReleaseManifest unpacked,
      PackLayout fullLayout,
      ChunkCipher cipher,
      String name,
      String announceUrl)
      throws IOException {
    PackLayout chunkLayout = PackLayout.delta(base, unpacked);
    if (chunkLayout.totalSize() == 0) {
      return null;
    }
    List<Patch> patches =
        baseChunks == null || unpacked.format() < 2
            ? List.of()
            : patches(base, baseChunks, unpacked, chunkLayout);
    Map<String, byte[]> patchBytes = new HashMap<>();
    Set<String> patched = new HashSet<>();
    for (Patch p : patches) {
      patchBytes.put(p.entry().id(), p.bytes());
      patched.add(p.entry().chunkId());
    }
    Map<String, ChunkEntry> table = new HashMap<>();
    unpacked.chunks().forEach(c -> table.put(c.id(), c));
    List<ChunkEntry> whole = new ArrayList<>();
    for (String id : chunkLayout.chunkIds()) {
      if (!patched.contains(id)) {
        whole.add(table.get(id));
      }
    }
    List<PatchEntry> entries = patches.stream().map(Patch::entry).toList();
    PackLayout layout = PackLayout.of(whole, entries);
    String fileName = "delta-from-" + base.version() + ".pack";
    int pieceLength = PackLayout.pieceLengthFor(layout.totalSize());
    PieceHashes hashes;
    try (PackReader full = new PackReader(staging.resolve("full.pack"), fullLayout)) {
      hashes =
          PackWriter.write(
              layout,
              id -> {
                byte[] patch = patchBytes.get(id);
                if (patch != null) {
                  return cipher.encrypt(id, patch);
                }
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
    return built(base.version(), layout, entries, hashes, fileName, name, announceUrl);
  }

  /** The patches worth shipping, one per patchable delta chunk, in the delta's chunk order. */
  private List<Patch> patches(
      ReleaseManifest base, BaseChunks baseChunks, ReleaseManifest unpacked, PackLayout delta)
      throws IOException {
    Set<String> needed = new HashSet<>(delta.chunkIds());
    Map<String, Long> baseSizes = new HashMap<>();
    base.chunks().forEach(c -> baseSizes.put(c.id(), c.size()));
    Map<String, Long> sizes = new HashMap<>();
    unpacked.chunks().forEach(c -> sizes.put(c.id(), c.size()));
    Map<String, FileEntry> baseFiles = new HashMap<>();
    base.files().forEach(f -> baseFiles.put(f.path(), f));
    Map<String, List<String>> dictionaries = new LinkedHashMap<>();
    for (FileEntry f : unpacked.files()) {
      FileEntry old = baseFiles.get(f.path());
      if (old == null || old.chunkIds().isEmpty()) {
        continue;
      }
      int[][] bases =
          PatchBases.of(old.chunkIds(), sizesOf(old, baseSizes), f.chunkIds(), sizesOf(f, sizes));
      for (int k = 0; k < bases.length; k++) {
        String id = f.chunkIds().get(k);
        if (bases[k] != null && needed.contains(id) && !dictionaries.containsKey(id)) {
          dictionaries.put(id, old.chunkIds().subList(bases[k][0], bases[k][1]));
        }
      }
    }
    List<Callable<Patch>> tasks = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : dictionaries.entrySet()) {
      tasks.add(() -> patch(e.getKey(), e.getValue(), baseChunks));
    }
    List<Future<Patch>> futures = new ArrayList<>();
    List<Patch> out = new ArrayList<>();
    try {
      for (Callable<Patch> task : tasks) {
        futures.add(workers.submit(task));
      }
      for (Future<Patch> future : futures) {
        Patch p = await(future);
        if (p != null) {
          out.add(p);
        }
      }
    } finally {
      futures.forEach(f -> f.cancel(true));
    }
    return out;
  }

  /** The patch of chunk {@code id} against {@code baseIds}, or null if it is not smaller. */
  private Patch patch(String id, List<String> baseIds, BaseChunks baseChunks) throws IOException {
    Source source = sources.get(id);
    byte[] target = new byte[source.size()];
    try (FileChannel in = FileChannel.open(source.file(), StandardOpenOption.READ)) {
      ByteBuffer buffer = ByteBuffer.wrap(target);
      while (buffer.hasRemaining()) {
        if (in.read(buffer, source.offset() + buffer.position()) < 0) {
          throw new IOException(source.file() + " changed while the release was built");
        }
      }
    }
    List<byte[]> parts = new ArrayList<>();
    int length = 0;
    for (String baseId : baseIds) {
      byte[] b = baseChunks.chunk(baseId);
      parts.add(b);
      length += b.length;
    }
    byte[] dictionary = new byte[length];
    int at = 0;
    for (byte[] b : parts) {
      System.arraycopy(b, 0, dictionary, at, b.length);
      at += b.length;
    }
    if (!ChunkPatch.worthTrying(dictionary, length, target)) {
      return null; // rewritten: zstd would search in vain
    }
    byte[] patch =
        ChunkPatch.create(dictionary, length, target, 0, target.length, ChunkPatch.DEFAULT_LEVEL);
    if (patch.length >= target.length) {
      return null;
    }
    String patchId = Hex.encode(digest("SHA-256").digest(patch));
    return new Patch(new PatchEntry(patchId, patch.length, id, baseIds), patch);
  }

  private static long[] sizesOf(FileEntry f, Map<String, Long> sizes) {
    long[] out = new long[f.chunkIds().size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = sizes.get(f.chunkIds().get(i));
    }
    return out;
  }

  private BuiltPack built(
      Long baseVersion,
      PackLayout layout,
      List<PatchEntry> patches,
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
    PackEntry entry = layout.toEntry(baseVersion, infoHash, hashes, patches);
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
