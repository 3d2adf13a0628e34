package dev.shoal.protocol.chunking;

/**
 * Chunk size bounds of the chunker. {@link #DEFAULT} is part of the Shoal format (since format 2:
 * min 512 KiB, average 1 MiB, max 4 MiB): chunk ids, and so deduplication between releases, depend
 * on it. Other values exist for tests and benchmarks.
 *
 * @param minSize no cut before this many bytes (at least 64, the hash window)
 * @param avgSize target mean size, a power of two: cut candidates are on average {@code
 *     2^floor(log2(avgSize - minSize))} bytes apart, so chunks average about {@code minSize} plus
 *     that
 * @param maxSize forced cut
 */
public record ChunkingParams(int minSize, int avgSize, int maxSize) {
  public static final ChunkingParams DEFAULT = new ChunkingParams(512 << 10, 1 << 20, 4 << 20);

  public ChunkingParams {
    if (Integer.bitCount(avgSize) != 1 || avgSize < 256) {
      throw new IllegalArgumentException("avgSize must be a power of two >= 256");
    }
    if (minSize < 64 || minSize >= avgSize || maxSize <= avgSize || maxSize > (64 << 20)) {
      throw new IllegalArgumentException("need 64 <= minSize < avgSize < maxSize <= 64 MiB");
    }
  }
}
