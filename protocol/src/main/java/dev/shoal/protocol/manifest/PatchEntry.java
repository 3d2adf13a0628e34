package dev.shoal.protocol.manifest;

import dev.shoal.protocol.Hex;
import java.util.List;

/**
 * A byte-level patch in a delta pack (format 2): rebuilds chunk {@code chunkId} from chunks the
 * base release already has. The patch is a zstd frame compressed with the concatenated plaintext of
 * {@code baseChunkIds} (in order) as its dictionary; it travels encrypted like a chunk, under its
 * own id.
 *
 * @param id lowercase hex SHA-256 of the patch bytes (checked when decrypting, like a chunk id)
 * @param size patch size in bytes; encrypted it is {@code size + 16}
 * @param chunkId the chunk of this release the patch produces (its SHA-256 is checked again)
 * @param baseChunkIds chunks of the base release whose bytes form the dictionary
 */
public record PatchEntry(String id, long size, String chunkId, List<String> baseChunkIds) {
  /** A patch bigger than the largest chunk would be pointless. */
  public static final long MAX_SIZE = ChunkEntry.MAX_SIZE;

  /** Dictionaries stay bounded so that applying a patch needs little memory. */
  public static final int MAX_BASE_CHUNKS = 8;

  public PatchEntry {
    Hex.require(id, 64, "id");
    if (size < 1 || size > MAX_SIZE) {
      throw new IllegalArgumentException("size: " + size + " outside 1.." + MAX_SIZE);
    }
    Hex.require(chunkId, 64, "chunkId");
    baseChunkIds = List.copyOf(baseChunkIds);
    if (baseChunkIds.isEmpty() || baseChunkIds.size() > MAX_BASE_CHUNKS) {
      throw new IllegalArgumentException(
          "baseChunkIds: " + baseChunkIds.size() + " outside 1.." + MAX_BASE_CHUNKS);
    }
    for (int i = 0; i < baseChunkIds.size(); i++) {
      Hex.require(baseChunkIds.get(i), 64, "baseChunkIds[" + i + "]");
    }
  }

  public long encryptedSize() {
    return size + ChunkEntry.GCM_TAG_BYTES;
  }
}
