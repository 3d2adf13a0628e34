package dev.shoal.protocol.manifest;

import dev.shoal.protocol.ProtocolException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cross-field rules of a manifest: everything a client relies on when it turns packs back into
 * files. Publishers should call {@link #check} before signing; verifiers call it after parsing.
 */
public final class ManifestConsistency {
  private ManifestConsistency() {}

  /**
   * @throws ProtocolException with a message naming the first field that does not add up
   */
  public static void check(ReleaseManifest m) {
    if (!m.expiresAt().isAfter(m.createdAt())) {
      throw new ProtocolException("manifest.expiresAt: must be after createdAt");
    }
    Map<String, ChunkEntry> table = chunkTable(m.chunks());
    Set<String> referenced = checkFiles(m.files(), table);
    for (int i = 0; i < m.chunks().size(); i++) {
      if (!referenced.contains(m.chunks().get(i).id())) {
        throw new ProtocolException("manifest.chunks[" + i + "]: not used by any file");
      }
    }
    checkPacks(m, table);
  }

  private static Map<String, ChunkEntry> chunkTable(List<ChunkEntry> chunks) {
    Map<String, ChunkEntry> table = new HashMap<>();
    for (int i = 0; i < chunks.size(); i++) {
      ChunkEntry c = chunks.get(i);
      if (c.encryptedSize() != c.size() + ChunkEntry.GCM_TAG_BYTES) {
        throw new ProtocolException(
            "manifest.chunks[" + i + "].encryptedSize: expected size + 16 = " + (c.size() + 16));
      }
      table.put(c.id(), c);
    }
    return table;
  }

  private static Set<String> checkFiles(List<FileEntry> files, Map<String, ChunkEntry> table) {
    Set<String> referenced = new HashSet<>();
    for (int i = 0; i < files.size(); i++) {
      FileEntry f = files.get(i);
      String where = "manifest.files[" + i + "]";
      long sum = 0;
      for (int j = 0; j < f.chunkIds().size(); j++) {
        ChunkEntry c = table.get(f.chunkIds().get(j));
        if (c == null) {
          throw new ProtocolException(where + ".chunkIds[" + j + "]: chunk not in chunk table");
        }
        sum += c.size(); // cannot overflow: counts and sizes are bounded far below 2^63
        referenced.add(c.id());
      }
      if (sum != f.size()) {
        throw new ProtocolException(
            where + ".size: " + f.size() + " but its chunks add up to " + sum);
      }
    }
    return referenced;
  }

  private static void checkPacks(ReleaseManifest m, Map<String, ChunkEntry> table) {
    int fullPacks = 0;
    for (int i = 0; i < m.packs().size(); i++) {
      PackEntry p = m.packs().get(i);
      String where = "manifest.packs[" + i + "]";
      checkPack(p, table, where);
      if (p.isFull()) {
        fullPacks++;
        if (p.chunkIds().size() != table.size()) {
          throw new ProtocolException(where + ".chunkIds: full pack lacks some chunks");
        }
      } else if (p.baseVersion() >= m.version()) {
        throw new ProtocolException(where + ".baseVersion: must be below the manifest version");
      }
    }
    if (fullPacks != 1) {
      throw new ProtocolException(
          "manifest.packs: expected exactly one full pack, got " + fullPacks);
    }
  }

  private static void checkPack(PackEntry p, Map<String, ChunkEntry> table, String where) {
    long total = 0;
    for (int j = 0; j < p.chunkIds().size(); j++) {
      ChunkEntry c = table.get(p.chunkIds().get(j));
      if (c == null) {
        throw new ProtocolException(where + ".chunkIds[" + j + "]: chunk not in chunk table");
      }
      total += c.encryptedSize();
    }
    for (int j = 0; j < p.patches().size(); j++) {
      PatchEntry patch = p.patches().get(j);
      if (!table.containsKey(patch.chunkId())) {
        throw new ProtocolException(where + ".patches[" + j + "].chunkId: not in chunk table");
      }
      total += patch.encryptedSize();
    }
    if (total != p.totalSize()) {
      throw new ProtocolException(
          where
              + ".totalSize: "
              + p.totalSize()
              + " but its chunks and patches add up to "
              + total);
    }
    long pieces = (total + p.pieceLength() - 1) / p.pieceLength();
    if (p.pieceSha256().size() != pieces) {
      throw new ProtocolException(
          where
              + ".pieceSha256: "
              + p.pieceSha256().size()
              + " hashes but totalSize / pieceLength needs "
              + pieces);
    }
  }
}
