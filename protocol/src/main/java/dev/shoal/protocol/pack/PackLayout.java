package dev.shoal.protocol.pack;

import dev.shoal.protocol.manifest.ChunkEntry;
import dev.shoal.protocol.manifest.FileEntry;
import dev.shoal.protocol.manifest.PackEntry;
import dev.shoal.protocol.manifest.PatchEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where each encrypted chunk sits in a pack file: chunks back to back, no headers or padding.
 *
 * @param slots the chunks in pack order
 * @param totalSize pack size in bytes
 */
public record PackLayout(List<Slot> slots, long totalSize) {
  public static final int MIN_PIECE_LENGTH = 256 << 10;
  public static final int MAX_PIECE_LENGTH = 4 << 20;
  public static final long TARGET_PIECES = 2000;

  /** One chunk at {@code offset}, {@code encryptedSize} bytes long. */
  public record Slot(String chunkId, long offset, long encryptedSize) {}

  /** Requires slots back to back from offset 0, ending at {@code totalSize}. */
  public PackLayout {
    slots = List.copyOf(slots);
    long expected = 0;
    for (int i = 0; i < slots.size(); i++) {
      Slot slot = slots.get(i);
      if (slot.offset() != expected || slot.encryptedSize() < 0) {
        throw new IllegalArgumentException("slots[" + i + "]: not contiguous with the previous");
      }
      expected += slot.encryptedSize();
    }
    if (expected != totalSize) {
      throw new IllegalArgumentException(
          "totalSize " + totalSize + " but slots end at " + expected);
    }
  }

  /** Lays out chunks in the given order. */
  public static PackLayout of(List<ChunkEntry> ordered) {
    List<Slot> slots = new ArrayList<>(ordered.size());
    long offset = 0;
    for (ChunkEntry c : ordered) {
      slots.add(new Slot(c.id(), offset, c.encryptedSize()));
      offset += c.encryptedSize();
    }
    return new PackLayout(slots, offset);
  }

  /**
   * Every unique chunk of the release, ordered by first appearance when walking files sorted by
   * path (UTF-16 order) and each file's chunks in order. A client installing from the full pack
   * thus reads it mostly sequentially.
   */
  public static PackLayout full(ReleaseManifest release) {
    return of(orderedChunks(release, Set.of()));
  }

  /** The chunks of {@code to} that {@code from} lacks, in the same order rule as {@link #full}. */
  public static PackLayout delta(ReleaseManifest from, ReleaseManifest to) {
    Set<String> have = new HashSet<>();
    from.chunks().forEach(c -> have.add(c.id()));
    return of(orderedChunks(to, have));
  }

  /**
   * Whole chunks in the given order, then patches (format 2 delta packs); a patch's slot is named
   * by the patch id.
   */
  public static PackLayout of(List<ChunkEntry> ordered, List<PatchEntry> patches) {
    List<Slot> slots = new ArrayList<>(ordered.size() + patches.size());
    long offset = 0;
    for (ChunkEntry c : ordered) {
      slots.add(new Slot(c.id(), offset, c.encryptedSize()));
      offset += c.encryptedSize();
    }
    for (PatchEntry p : patches) {
      slots.add(new Slot(p.id(), offset, p.encryptedSize()));
      offset += p.encryptedSize();
    }
    return new PackLayout(slots, offset);
  }

  /** The layout a manifest's pack entry describes (for a client reading the pack). */
  public static PackLayout of(PackEntry pack, ReleaseManifest release) {
    Map<String, ChunkEntry> table = table(release);
    List<ChunkEntry> ordered = new ArrayList<>(pack.chunkIds().size());
    for (String id : pack.chunkIds()) {
      ChunkEntry c = table.get(id);
      if (c == null) {
        throw new IllegalArgumentException("pack chunk " + id + " not in the manifest");
      }
      ordered.add(c);
    }
    return of(ordered, pack.patches());
  }

  /**
   * Piece length for a pack: the smallest power of two from 256 KiB to 4 MiB giving at most {@value
   * #TARGET_PIECES} pieces (bigger packs just get more pieces).
   */
  public static int pieceLengthFor(long totalSize) {
    int length = MIN_PIECE_LENGTH;
    while (length < MAX_PIECE_LENGTH && (totalSize + length - 1) / length > TARGET_PIECES) {
      length <<= 1;
    }
    return length;
  }

  /**
   * The manifest entry for this layout once written with {@link PackWriter}.
   *
   * @param baseVersion null for a full pack, else the release a delta applies to
   * @param infoHash hex info hash of the pack's torrent (from the torrent package's Metainfo)
   */
  public PackEntry toEntry(Long baseVersion, String infoHash, PieceHashes hashes) {
    return toEntry(baseVersion, infoHash, hashes, List.of());
  }

  /** As {@link #toEntry(Long, String, PieceHashes)} for a layout made with these patches. */
  public PackEntry toEntry(
      Long baseVersion, String infoHash, PieceHashes hashes, List<PatchEntry> patches) {
    if (hashes.totalSize() != totalSize) {
      throw new IllegalArgumentException("piece hashes cover " + hashes.totalSize() + " bytes");
    }
    return new PackEntry(
        baseVersion == null ? PackEntry.FULL : PackEntry.DELTA,
        baseVersion,
        infoHash,
        hashes.pieceLength(),
        totalSize,
        hashes.sha256(),
        slots.subList(0, slots.size() - patches.size()).stream().map(Slot::chunkId).toList(),
        patches);
  }

  /** The ids of all slots: chunk ids, then patch ids. */
  public List<String> chunkIds() {
    return slots.stream().map(Slot::chunkId).toList();
  }

  /** Linear search; {@link PackReader} keeps an index for repeated lookups. */
  public int indexOf(String chunkId) {
    for (int i = 0; i < slots.size(); i++) {
      if (slots.get(i).chunkId().equals(chunkId)) {
        return i;
      }
    }
    return -1;
  }

  private static List<ChunkEntry> orderedChunks(ReleaseManifest release, Set<String> exclude) {
    Map<String, ChunkEntry> table = table(release);
    Set<String> ordered = new LinkedHashSet<>();
    List<FileEntry> files = new ArrayList<>(release.files());
    files.sort(Comparator.comparing(FileEntry::path));
    for (FileEntry f : files) {
      for (String id : f.chunkIds()) {
        if (!exclude.contains(id)) {
          ordered.add(id);
        }
      }
    }
    List<ChunkEntry> out = new ArrayList<>(ordered.size());
    for (String id : ordered) {
      ChunkEntry c = table.get(id);
      if (c == null) {
        throw new IllegalArgumentException("file chunk " + id + " not in the chunk table");
      }
      out.add(c);
    }
    return out;
  }

  private static Map<String, ChunkEntry> table(ReleaseManifest release) {
    Map<String, ChunkEntry> table = new HashMap<>();
    release.chunks().forEach(c -> table.put(c.id(), c));
    return table;
  }
}
