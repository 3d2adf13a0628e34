package dev.shoal.protocol.chunking;

/**
 * Chunk size bounds of FastCDC. {@link #DEFAULT} is part of the Shoal format: chunk ids, and so
 * deduplication between releases, depend on it. Other values exist for tests.
 *
 * @param minSize no cut before this many bytes
 * @param avgSize target size, a power of two: the point where the cut condition gets easier
 * @param maxSize forced cut
 */
public record ChunkingParams(int minSize, int avgSize, int maxSize) {
  public static final ChunkingParams DEFAULT = new ChunkingParams(256 << 10, 1 << 20, 4 << 20);

  public ChunkingParams {
    if (Integer.bitCount(avgSize) != 1 || avgSize < 256) {
      throw new IllegalArgumentException("avgSize must be a power of two >= 256");
    }
    if (minSize < 64 || minSize >= avgSize || maxSize <= avgSize || maxSize > (64 << 20)) {
      throw new IllegalArgumentException("need 64 <= minSize < avgSize < maxSize <= 64 MiB");
    }
  }
}
