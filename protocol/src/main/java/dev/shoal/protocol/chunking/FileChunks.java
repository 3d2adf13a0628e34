package dev.shoal.protocol.chunking;

import dev.shoal.protocol.Hex;
import java.util.List;

/**
 * Result of scanning one file.
 *
 * @param size total bytes
 * @param sha256 lowercase hex SHA-256 of the whole file
 * @param chunks the file's chunks in order
 */
public record FileChunks(long size, String sha256, List<ChunkRef> chunks) {
  public FileChunks {
    Hex.require(sha256, 64, "sha256");
    chunks = List.copyOf(chunks);
  }

  public List<String> chunkIds() {
    return chunks.stream().map(ChunkRef::id).toList();
  }
}
