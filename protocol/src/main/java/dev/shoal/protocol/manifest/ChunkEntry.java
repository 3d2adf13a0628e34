package dev.shoal.protocol.manifest;

import dev.shoal.protocol.Hex;

/**
 * One unique chunk of a release.
 *
 * @param id lowercase hex SHA-256 of the plaintext
 * @param size plaintext size in bytes
 * @param encryptedSize size on the wire: {@code size + 16} (the AES-GCM tag)
 */
public record ChunkEntry(String id, long size, long encryptedSize) {
  /** Far above the chunker's 4 MiB maximum, low enough that a hostile size cannot hurt. */
  public static final long MAX_SIZE = 16L << 20;

  public static final int GCM_TAG_BYTES = 16;

  public ChunkEntry {
    Hex.require(id, 64, "id");
    if (size < 1 || size > MAX_SIZE) {
      throw new IllegalArgumentException("size: " + size + " outside 1.." + MAX_SIZE);
    }
    if (encryptedSize < 0) {
      throw new IllegalArgumentException("encryptedSize: negative");
    }
  }

  /** The entry for a plaintext chunk of {@code size} bytes encrypted with AES-GCM. */
  public static ChunkEntry of(String id, long size) {
    return new ChunkEntry(id, size, size + GCM_TAG_BYTES);
  }
}
