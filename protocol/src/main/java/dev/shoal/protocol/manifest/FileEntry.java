package dev.shoal.protocol.manifest;

import dev.shoal.protocol.Hex;
import java.util.List;

/**
 * One file of a release.
 *
 * @param path relative path with '/' separators (see README for the safe-path rule)
 * @param size file size in bytes; equals the sum of its chunks' sizes
 * @param mode permission bits (0..07777)
 * @param sha256 lowercase hex SHA-256 of the whole file
 * @param chunkIds the file's chunks in order; a chunk may repeat
 */
public record FileEntry(String path, long size, int mode, String sha256, List<String> chunkIds) {
  public FileEntry {
    SafePath.require(path, "path");
    if (size < 0) {
      throw new IllegalArgumentException("size: negative");
    }
    if (mode < 0 || mode > 07777) {
      throw new IllegalArgumentException("mode: " + mode + " outside 0..07777");
    }
    Hex.require(sha256, 64, "sha256");
    chunkIds = List.copyOf(chunkIds);
    for (int i = 0; i < chunkIds.size(); i++) {
      Hex.require(chunkIds.get(i), 64, "chunkIds[" + i + "]");
    }
  }
}
