package dev.shoal.testkit.bench;

import dev.shoal.protocol.Hex;
import dev.shoal.protocol.chunking.ChunkRef;
import dev.shoal.protocol.chunking.ChunkScanner;
import dev.shoal.protocol.chunking.FileChunks;
import dev.shoal.protocol.crypto.ChunkCipher;
import dev.shoal.protocol.pack.PackLayout;
import dev.shoal.protocol.pack.PackWriter;
import dev.shoal.protocol.patch.ChunkPatch;
import dev.shoal.protocol.patch.PatchBases;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The serial one-core reference for publishing a build that changed from its predecessor: the steps
 * the pipeline runs, with the protocol's own primitives, one after the other on one thread, timing
 * only the computation (no disk, no database, no HTTP). Per file of the new build: content- defined
 * chunking with the chunk and file SHA-256, AES-256-GCM of each chunk, SHA-1 and SHA-256 piece
 * hashes of the ciphertext (the full pack); then for each chunk the old build lacks: its patch
 * bases, the resemblance check and the zstd patch against them, and the delta pack's encryption and
 * piece hashes. This is the bound the issue defines ("chunk, delta, encrypt, hash, torrent"); the
 * hash-and-cipher-only figure stays beside it in the benchmark's output.
 */
final class SerialPublish {
  private final List<Path> oldFiles;
  private final List<FileChunks> oldChunks = new ArrayList<>();
  // Each base chunk's resemblance samples, computed once as the pipeline's base cache does.
  private final Map<String, long[]> baseSamples = new HashMap<>();

  /**
   * Chunks the predecessor's files (in the order the new build's will be given), untimed: the
   * pipeline reads their chunk lists from the base release's manifest.
   */
  SerialPublish(List<Path> oldFiles) throws IOException {
    this.oldFiles = List.copyOf(oldFiles);
    for (Path f : oldFiles) {
      try (var in = Files.newInputStream(f)) {
        oldChunks.add(ChunkScanner.scan(in));
      }
    }
  }

  /**
   * Nanoseconds one thread spends publishing a new build, in all and on the delta pack alone (patch
   * bases, resemblance checks, zstd patches, their encryption and the delta pack's piece hashes).
   */
  record Nanos(long total, long delta) {}

  /** What one thread spends publishing {@code newFiles} against the predecessor. */
  Nanos nanos(List<Path> newFiles) throws IOException {
    ChunkCipher cipher = new ChunkCipher(randomKey());
    baseSamples.clear();
    Set<String> oldIds = new HashSet<>();
    oldChunks.forEach(c -> oldIds.addAll(c.chunkIds()));
    PackWriter.PieceHasher fullPack =
        new PackWriter.PieceHasher(PackLayout.pieceLengthFor(1L << 30));
    PackWriter.PieceHasher deltaPack =
        new PackWriter.PieceHasher(PackLayout.pieceLengthFor(64L << 20));
    long nanos = 0;
    long delta = 0;
    for (int i = 0; i < newFiles.size(); i++) {
      // One file at a time in memory, old and new (the benchmark's heap also holds a control
      // plane).
      byte[] old = Files.readAllBytes(oldFiles.get(i));
      byte[] bytes = Files.readAllBytes(newFiles.get(i));
      Map<String, byte[]> added = new HashMap<>();
      long t = System.nanoTime();
      FileChunks chunks =
          ChunkScanner.scan(
              new ByteArrayInputStream(bytes),
              (ref, buf, off, len) -> {
                byte[] sealed = cipher.encrypt(Hex.decode(ref.id()), buf, off, len);
                fullPack.update(sealed, 0, sealed.length);
                if (!oldIds.contains(ref.id())) {
                  added.put(ref.id(), sealed);
                }
              });
      long patching = patches(i, chunks, old, bytes, added, cipher, deltaPack);
      delta += patching;
      nanos += System.nanoTime() - t;
    }
    long t = System.nanoTime();
    fullPack.finish();
    deltaPack.finish();
    return new Nanos(nanos + System.nanoTime() - t, delta);
  }

  /** Patches of file {@code i}'s new chunks, encrypted and hashed into the delta pack. */
  private long patches(
      int i,
      FileChunks now,
      byte[] old,
      byte[] bytes,
      Map<String, byte[]> added,
      ChunkCipher cipher,
      PackWriter.PieceHasher deltaPack) {
    long t = System.nanoTime();
    FileChunks before = oldChunks.get(i);
    int[][] bases = PatchBases.of(before.chunkIds(), sizes(before), now.chunkIds(), sizes(now));
    for (int k = 0; k < bases.length; k++) {
      ChunkRef target = now.chunks().get(k);
      byte[] sealed = added.remove(target.id());
      if (sealed == null) {
        continue; // the predecessor has it, or it came earlier in this file
      }
      byte[] patch = patch(bases[k], before, old, bytes, target);
      if (patch != null) {
        sealed = cipher.encrypt(Hex.decode(sha256(patch)), patch, 0, patch.length);
      }
      deltaPack.update(sealed, 0, sealed.length);
    }
    return System.nanoTime() - t;
  }

  /**
   * The patch of {@code target}, or null where the chunk itself goes into the delta pack (its
   * ciphertext from the full pack: chunk nonces are derived from chunk ids).
   */
  private byte[] patch(int[] base, FileChunks before, byte[] old, byte[] bytes, ChunkRef target) {
    if (base == null) {
      return null;
    }
    int from = (int) target.offset();
    ChunkRef first = before.chunks().get(base[0]);
    ChunkRef last = before.chunks().get(base[1] - 1);
    int start = (int) first.offset();
    int length = (int) (last.offset() + last.size() - start);
    byte[] dictionary = java.util.Arrays.copyOfRange(old, start, start + length);
    Set<Long> samples = new HashSet<>();
    for (int c = base[0]; c < base[1]; c++) {
      ChunkRef ref = before.chunks().get(c);
      long[] of =
          baseSamples.computeIfAbsent(
              ref.id(), id -> ChunkPatch.samples(old, (int) ref.offset(), ref.size()));
      for (long h : of) {
        samples.add(h);
      }
    }
    byte[] plain = java.util.Arrays.copyOfRange(bytes, from, from + target.size());
    if (!ChunkPatch.worthTrying(samples, plain)) {
      return null;
    }
    byte[] patch =
        ChunkPatch.create(dictionary, length, plain, 0, plain.length, ChunkPatch.DEFAULT_LEVEL);
    return patch.length < plain.length ? patch : null;
  }

  private static long[] sizes(FileChunks f) {
    return f.chunks().stream().mapToLong(ChunkRef::size).toArray();
  }

  private static String sha256(byte[] b) {
    try {
      return Hex.encode(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] randomKey() {
    byte[] key = new byte[ChunkCipher.KEY_BYTES];
    new SecureRandom().nextBytes(key);
    return key;
  }
}
