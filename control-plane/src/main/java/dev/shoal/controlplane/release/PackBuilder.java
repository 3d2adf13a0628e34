package dev.shoal.controlplane.release;

import dev.shoal.protocol.Hex;
import dev.shoal.protocol.chunking.ChunkScanner;
import dev.shoal.protocol.chunking.ChunkingParams;
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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
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

  /** A new chunk handed from the chunking thread to the encrypting one, or an end marker. */
  private record Item(byte[] id, byte[] plain, int length, long filesDone) {}

  /** Chunks queued or being encrypted at most: bounds the pass's memory (4 MiB chunks). */
  private static final int IN_FLIGHT = 4;

  private final List<PackLayout.Slot> written = new ArrayList<>();
  private PieceHashes streamed;

  /**
   * The full pack in one read of the build, on two threads: this one chunks the files in sorted
   * path order (FastCDC, SHA-256 of each chunk and of each file) and hands each chunk not seen
   * before to a second that encrypts it, appends it to {@code full.pack} and hashes the pack's
   * pieces as they fill. That order is the full pack's layout (first appearance walking files
   * sorted by path), so the pack is written sequentially, and the bytes are read once and hashed
   * while in cache, instead of a pass each for chunking, encrypting and piece hashing. The piece
   * length is chosen from an upper bound of the pack's size (no chunk shared); if deduplication
   * makes the pack small enough for a smaller one, {@link #finishFullPack} hashes again. At most
   * {@value #IN_FLIGHT} chunks are in memory besides the reader's buffer. Progress 0..1.
   */
  void chunkAndEncrypt(List<String> paths, ChunkCipher cipher, DoubleConsumer progress)
      throws IOException {
    List<String> sorted = paths.stream().sorted().toList();
    long total = 0;
    long bound = 0;
    int min = ChunkingParams.DEFAULT.minSize();
    for (String p : sorted) {
      long size = Files.size(buildDir.resolve(p));
      total += size;
      bound += size + ChunkCipher.TAG_BYTES * ((size + min - 1) / min);
    }
    int pieceLength = PackLayout.pieceLengthFor(bound);
    BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(IN_FLIGHT);
    BlockingQueue<Item> work = new ArrayBlockingQueue<>(IN_FLIGHT + 1);
    long all = total;
    Future<Void> reading =
        workers.submit(
            () -> {
              try {
                readChunks(sorted, free, work);
              } finally {
                work.put(new Item(null, null, -1, -1)); // the end, also after a failure
              }
              return null;
            });
    try (FileChannel out =
        FileChannel.open(
            staging.resolve("full.pack"),
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE)) {
      for (int i = 0; i < IN_FLIGHT; i++) {
        free.add(new byte[ChunkingParams.DEFAULT.maxSize()]);
      }
      PackWriter.PieceHasher pieces = new PackWriter.PieceHasher(pieceLength);
      byte[] sealed = new byte[ChunkingParams.DEFAULT.maxSize() + ChunkCipher.TAG_BYTES];
      long at = 0;
      while (true) {
        Item item = work.take();
        if (item.length() < 0) {
          break;
        }
        if (item.plain() == null) {
          progress.accept(all == 0 ? 1 : (double) item.filesDone() / all);
          continue;
        }
        int n = cipher.encrypt(item.id(), item.plain(), 0, item.length(), sealed, 0);
        free.put(item.plain());
        pieces.update(sealed, 0, n);
        ByteBuffer buffer = ByteBuffer.wrap(sealed, 0, n);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        written.add(new PackLayout.Slot(Hex.encode(item.id()), at, n));
        at += n;
      }
      await(reading); // the chunking thread's failure, if it had one
      out.force(false);
      streamed = pieces.finish();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while building the release", e);
    } finally {
      reading.cancel(true);
    }
  }

  /** The chunking side of {@link #chunkAndEncrypt}; records files, chunks and their sources. */
  private void readChunks(List<String> sorted, BlockingQueue<byte[]> free, BlockingQueue<Item> work)
      throws IOException, InterruptedException {
    long done = 0;
    for (String path : sorted) {
      Path file = buildDir.resolve(path);
      FileChunks c;
      try (InputStream in = Files.newInputStream(file)) {
        c =
            ChunkScanner.scan(
                in,
                (ref, buf, off, len) -> {
                  if (sources.putIfAbsent(ref.id(), new Source(file, ref.offset(), len)) != null) {
                    return; // already in the pack
                  }
                  chunks.add(ChunkEntry.of(ref.id(), len));
                  byte[] plain;
                  try {
                    plain = free.take();
                    System.arraycopy(buf, off, plain, 0, len);
                    work.put(new Item(Hex.decode(ref.id()), plain, len, 0));
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("release build cancelled");
                  }
                });
      }
      files.add(new FileEntry(path, c.size(), mode(file), c.sha256(), c.chunkIds()));
      done += c.size();
      work.put(new Item(null, null, 0, done));
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
   * The full pack's layout for the manifest, which must be what {@link #chunkAndEncrypt} wrote: the
   * same chunks in the same order.
   */
  PackLayout fullLayout(ReleaseManifest unpacked) {
    PackLayout layout = PackLayout.full(unpacked);
    if (!layout.slots().equals(written)) {
      throw new IllegalStateException("the full pack was written in another order than its layout");
    }
    return layout;
  }

  /**
   * The full pack's torrent, from the piece hashes taken while it was written, or hashed again
   * (ranges of pieces on the workers) when deduplication made the pack small enough for a smaller
   * piece length.
   */
  BuiltPack finishFullPack(PackLayout layout, String name, String announceUrl) throws IOException {
    int pieceLength = PackLayout.pieceLengthFor(layout.totalSize());
    PieceHashes hashes =
        streamed != null && streamed.pieceLength() == pieceLength
            ? streamed
            : hashFullPack(layout.totalSize(), pieceLength);
    return built(null, layout, List.of(), hashes, "full.pack", name, announceUrl);
  }

  /** Piece hashes of {@code full.pack} as written, read back (ranges of pieces on the workers). */
  PieceHashes hashFullPack(long total, int pieceLength) throws IOException {
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
    return new PieceHashes(pieceLength, sha1, List.of(sha256), total);
  }

  /** The piece hashes taken while {@link #chunkAndEncrypt} wrote the full pack. */
  PieceHashes streamedHashes() {
    return streamed;
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
   * patches are computed against, with their resemblance samples. The last few are kept (neighbour
   * patches share base chunks, and a rewritten region's candidates share them all), so each is read
   * and decrypted about once. Thread-safe.
   */
  static final class BaseChunks implements Closeable {
    /** Plaintext kept for later patches: a few of the largest dictionaries. */
    private static final long CACHE_BYTES = 48L << 20;

    private static final int SLICE = 64 << 10;

    /** A base chunk's bytes and {@link ChunkPatch#samples}. */
    record Plain(byte[] bytes, long[] samples) {}

    private final PackReader reader;
    private final ChunkCipher cipher;
    private final javax.crypto.spec.SecretKeySpec key;
    private final ThreadLocal<javax.crypto.Cipher> ctr =
        ThreadLocal.withInitial(
            () -> {
              try {
                return javax.crypto.Cipher.getInstance("AES/CTR/NoPadding");
              } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException("JDK lacks AES-CTR", e);
              }
            });
    private final LinkedHashMap<String, Plain> cache = new LinkedHashMap<>(16, 0.75f, true);
    private long cached;

    BaseChunks(Path fullPack, ReleaseManifest base, byte[] contentKey) throws IOException {
      this.reader = new PackReader(fullPack, PackLayout.of(base.fullPack(), base));
      this.cipher = new ChunkCipher(contentKey);
      this.key = new javax.crypto.spec.SecretKeySpec(contentKey, "AES");
    }

    Plain chunk(String id) throws IOException {
      synchronized (cache) {
        Plain hit = cache.get(id);
        if (hit != null) {
          return hit;
        }
      }
      byte[] plain = decrypt(id, reader.readChunk(id));
      Plain p = new Plain(plain, ChunkPatch.samples(plain, 0, plain.length));
      synchronized (cache) {
        if (cache.put(id, p) == null) {
          cached += plain.length;
        }
        var it = cache.values().iterator();
        while (cached > CACHE_BYTES && it.hasNext()) {
          cached -= it.next().bytes().length;
          it.remove();
        }
      }
      return p;
    }

    /**
     * GCM's keystream (AES-CTR from the nonce's counter block 2) without GCM's tag: our own pack,
     * and the plaintext's SHA-256 must be the chunk id, which is the check that matters for a
     * patch's dictionary. In slices, so the JIT reaches the AES-CTR intrinsic; GCM decryption would
     * hash the whole chunk in one GHASH call, which a fresh JVM runs interpreted.
     */
    private byte[] decrypt(String id, byte[] sealed) throws IOException {
      byte[] chunkId = Hex.decode(id);
      byte[] counter = new byte[16];
      System.arraycopy(cipher.nonce(chunkId), 0, counter, 0, ChunkCipher.NONCE_BYTES);
      counter[15] = 2; // GCM: J0 = nonce || 1, the first block of data uses J0 + 1
      int length = sealed.length - ChunkCipher.TAG_BYTES;
      if (length < 0) {
        throw new IOException("base chunk " + id + " is shorter than its tag");
      }
      byte[] plain = new byte[length];
      try {
        javax.crypto.Cipher c = ctr.get();
        c.init(
            javax.crypto.Cipher.DECRYPT_MODE, key, new javax.crypto.spec.IvParameterSpec(counter));
        int at = 0;
        while (at < length) {
          int n = Math.min(SLICE, length - at);
          at += c.update(sealed, at, n, plain, at);
        }
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalStateException("AES-CTR failed", e);
      }
      if (!MessageDigest.isEqual(digest("SHA-256").digest(plain), chunkId)) {
        throw new IOException("base chunk " + id + " does not decrypt to its id");
      }
      return plain;
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
    // Read back after the pass: a patch must rebuild exactly the chunk the manifest names.
    if (!Hex.encode(digest("SHA-256").digest(target)).equals(id)) {
      throw new IOException(source.file() + " changed while the release was built");
    }
    List<BaseChunks.Plain> parts = new ArrayList<>();
    Set<Long> samples = new HashSet<>();
    int length = 0;
    for (String baseId : baseIds) {
      BaseChunks.Plain b = baseChunks.chunk(baseId);
      parts.add(b);
      length += b.bytes().length;
      for (long h : b.samples()) {
        samples.add(h);
      }
    }
    if (!ChunkPatch.worthTrying(samples, target)) {
      return null; // rewritten: zstd would search in vain
    }
    byte[] dictionary = new byte[length];
    int at = 0;
    for (BaseChunks.Plain b : parts) {
      System.arraycopy(b.bytes(), 0, dictionary, at, b.bytes().length);
      at += b.bytes().length;
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
