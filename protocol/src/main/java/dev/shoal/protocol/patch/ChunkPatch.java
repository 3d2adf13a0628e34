package dev.shoal.protocol.patch;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import dev.shoal.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;

/**
 * Byte-level patches of one chunk against chunks the base release has (format 2): a zstd frame of
 * the new chunk compressed with the old chunks' bytes as a raw-content dictionary. Matches against
 * the dictionary cost a few bytes each, so an edited chunk costs about the edit.
 *
 * <p>Memory stays bounded by the inputs: a chunk is at most 4 MiB (16 MiB accepted) and a
 * dictionary at most {@link #MAX_DICTIONARY} bytes; files are patched chunk by chunk, never whole.
 */
public final class ChunkPatch {
  /** Upper bound of a dictionary: a few maximum-size chunks. */
  public static final int MAX_DICTIONARY = 16 << 20;

  /**
   * Level 9 finds the matches in a dictionary of a few MiB; levels 1 to 6 with their default hash
   * tables miss most of them (a 1 MiB chunk with a 16 KiB edit against a 3 MiB dictionary: 1 MiB
   * "patch"), and bigger hash tables cost more than level 9. Level 19 makes patches under 1 %
   * smaller at a quarter of the speed. Long-distance matching is off: zstd does not index
   * dictionaries for it.
   */
  public static final int DEFAULT_LEVEL = 9;

  /**
   * Put before the base chunks' bytes: zstd reads a dictionary that starts with its dictionary
   * magic number as a structured dictionary, and a chunk may start with those four bytes.
   */
  private static final byte[] PREFIX = "shoal/patch/v1\n\0".getBytes(StandardCharsets.US_ASCII);

  /** 2^25 = 32 MiB covers dictionary plus chunk, so every match in the dictionary is reachable. */
  private static final int WINDOW_LOG = 25;

  private ChunkPatch() {}

  /**
   * An empty dictionary for {@code length} bytes of base chunks, to be copied in from {@link
   * #DICTIONARY_START} on: callers assemble it in place, so a dictionary is in memory once.
   */
  public static byte[] newDictionary(int length) {
    requireDictionary(length);
    byte[] dict = new byte[PREFIX.length + length];
    System.arraycopy(PREFIX, 0, dict, 0, PREFIX.length);
    return dict;
  }

  /** Where the base chunks' bytes start in a {@link #newDictionary} array. */
  public static final int DICTIONARY_START = PREFIX.length;

  /**
   * Applies a patch with a dictionary made by {@link #newDictionary} and filled; the caller checks
   * the result's SHA-256 against the chunk id.
   *
   * @throws ProtocolException if the patch is not a zstd frame of exactly {@code size} bytes
   */
  public static byte[] apply(byte[] dictionary, byte[] patch, int size) {
    try (ZstdDecompressCtx ctx = new ZstdDecompressCtx()) {
      ctx.loadDict(dictionary);
      byte[] out = new byte[size];
      int n = ctx.decompressByteArray(out, 0, size, patch, 0, patch.length);
      if (n != size) {
        throw new ProtocolException("patch: produced " + n + " bytes, expected " + size);
      }
      return out;
    } catch (ZstdException e) {
      throw new ProtocolException("patch: not a valid zstd frame (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Whether a patch of {@code target} against {@code dictionary} can be smaller than the target: a
   * quick resemblance test (about 1 GB/s) that spares zstd's search (about 10 MB/s at level 9) on
   * chunks that were rewritten. Content-defined samples of both (positions where a 64-byte rolling
   * hash has its top 12 bits zero, about one per 4 KiB) are compared; true when at least a
   * twentieth of the target's samples occur in the dictionary, or the target is too small to
   * sample.
   */
  public static boolean worthTrying(byte[] dictionary, int dictionaryLength, byte[] target) {
    java.util.Set<Long> have = new java.util.HashSet<>();
    for (long h : samples(dictionary, 0, dictionaryLength)) {
      have.add(h);
    }
    return worthTrying(have, target);
  }

  /**
   * The same test with the dictionary's samples given, e.g. the union of {@link #samples} of each
   * base chunk, which a publisher computes once per base chunk rather than once per patch (the few
   * samples that would straddle two chunks are missed; the test is a heuristic).
   */
  public static boolean worthTrying(java.util.Set<Long> have, byte[] target) {
    long[] wanted = samples(target, 0, target.length);
    if (wanted.length < 8) {
      return true;
    }
    int found = 0;
    for (long h : wanted) {
      if (have.contains(h)) {
        found++;
      }
    }
    return found * 20 >= wanted.length;
  }

  private static final long[] GEAR = gear();
  private static final long SAMPLE_MASK = -1L << 52;

  /**
   * The content-defined samples of {@code b[offset, offset + length)} that worthTrying compares.
   */
  public static long[] samples(byte[] b, int offset, int length) {
    long[] out = new long[16];
    int n = 0;
    long h = 0;
    for (int i = offset, end = offset + length; i < end; i++) {
      h = (h << 1) + GEAR[b[i] & 0xff];
      if (i - offset >= 63 && (h & SAMPLE_MASK) == 0) {
        if (n == out.length) {
          out = java.util.Arrays.copyOf(out, n * 2);
        }
        out[n++] = h;
      }
    }
    return java.util.Arrays.copyOf(out, n);
  }

  private static long[] gear() {
    long[] table = new long[256];
    long state = 0x7061_7463_6873_616dL;
    for (int i = 0; i < table.length; i++) {
      state += 0x9e37_79b9_7f4a_7c15L;
      long z = state;
      z = (z ^ (z >>> 30)) * 0xbf58_476d_1ce4_e5b9L;
      z = (z ^ (z >>> 27)) * 0x94d0_49bb_1331_11ebL;
      table[i] = z ^ (z >>> 31);
    }
    return table;
  }

  /** The patch turning {@code dictionary} into {@code target[offset, offset + length)}. */
  public static byte[] create(
      byte[] dictionary, int dictionaryLength, byte[] target, int offset, int length, int level) {
    requireDictionary(dictionaryLength);
    try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
      ctx.setLevel(level);
      ctx.setWindowLog(WINDOW_LOG);
      ctx.setChecksum(false); // the chunk id (SHA-256) is checked instead
      ctx.setContentSize(true);
      ctx.loadDict(prefixed(dictionary, dictionaryLength));
      return ctx.compress(exact(target, offset, length));
    }
  }

  /**
   * Applies a patch; the caller checks the result's SHA-256 against the chunk id.
   *
   * @throws ProtocolException if the patch is not a zstd frame of exactly {@code size} bytes
   */
  public static byte[] apply(byte[] dictionary, int dictionaryLength, byte[] patch, int size) {
    requireDictionary(dictionaryLength);
    return apply(prefixed(dictionary, dictionaryLength), patch, size);
  }

  private static void requireDictionary(int length) {
    if (length < 1 || length > MAX_DICTIONARY) {
      throw new IllegalArgumentException(
          "dictionary: " + length + " bytes outside 1.." + MAX_DICTIONARY);
    }
  }

  private static byte[] prefixed(byte[] b, int length) {
    byte[] dict = new byte[PREFIX.length + length];
    System.arraycopy(PREFIX, 0, dict, 0, PREFIX.length);
    System.arraycopy(b, 0, dict, PREFIX.length, length);
    return dict;
  }

  private static byte[] exact(byte[] b, int offset, int length) {
    if (offset == 0 && length == b.length) {
      return b;
    }
    byte[] copy = new byte[length];
    System.arraycopy(b, offset, copy, 0, length);
    return copy;
  }
}
