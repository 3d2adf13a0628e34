package dev.shoal.protocol.chunking;

import dev.shoal.protocol.Hex;

/**
 * A chunk of a scanned file.
 *
 * @param id lowercase hex SHA-256 of the chunk's bytes
 * @param offset position in the file
 * @param size length in bytes
 */
public record ChunkRef(String id, long offset, int size) {
  public ChunkRef {
    Hex.require(id, 64, "id");
    if (offset < 0 || size < 1) {
      throw new IllegalArgumentException("offset must be >= 0 and size >= 1");
    }
  }
}
