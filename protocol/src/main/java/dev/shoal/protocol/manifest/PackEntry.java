package dev.shoal.protocol.manifest;

import dev.shoal.protocol.Hex;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A pack: the concatenated encrypted chunks that one torrent distributes.
 *
 * @param kind {@code "full"} (every chunk of the release) or {@code "delta"} (chunks missing from
 *     {@code baseVersion})
 * @param baseVersion the release a delta applies to; null for a full pack
 * @param infoHash lowercase hex SHA-1 of the torrent's bencoded info dictionary
 * @param pieceLength torrent piece length, a power of two
 * @param totalSize pack size: the sum of its chunks' and patches' encrypted sizes
 * @param pieceSha256 lowercase hex SHA-256 of each piece, in order
 * @param chunkIds the pack's whole chunks in layout order
 * @param patches (format 2, delta packs only) byte-level patches, laid out after the chunks
 */
public record PackEntry(
    String kind,
    Long baseVersion,
    String infoHash,
    int pieceLength,
    long totalSize,
    List<String> pieceSha256,
    List<String> chunkIds,
    List<PatchEntry> patches) {
  public static final String FULL = "full";
  public static final String DELTA = "delta";
  public static final int MIN_PIECE_LENGTH = 16 << 10;
  public static final int MAX_PIECE_LENGTH = 64 << 20;

  /** A pack of whole chunks only. */
  public PackEntry(
      String kind,
      Long baseVersion,
      String infoHash,
      int pieceLength,
      long totalSize,
      List<String> pieceSha256,
      List<String> chunkIds) {
    this(kind, baseVersion, infoHash, pieceLength, totalSize, pieceSha256, chunkIds, List.of());
  }

  public PackEntry {
    Objects.requireNonNull(kind, "kind");
    if (kind.equals(FULL)) {
      if (baseVersion != null) {
        throw new IllegalArgumentException("baseVersion: must be null for a full pack");
      }
    } else if (kind.equals(DELTA)) {
      if (baseVersion == null || baseVersion < 1) {
        throw new IllegalArgumentException("baseVersion: a delta pack needs a base version >= 1");
      }
    } else {
      throw new IllegalArgumentException("kind: must be \"full\" or \"delta\"");
    }
    Hex.require(infoHash, 40, "infoHash");
    if (Integer.bitCount(pieceLength) != 1
        || pieceLength < MIN_PIECE_LENGTH
        || pieceLength > MAX_PIECE_LENGTH) {
      throw new IllegalArgumentException(
          "pieceLength: " + pieceLength + " is not a power of two in 16 KiB..64 MiB");
    }
    if (totalSize < 0) {
      throw new IllegalArgumentException("totalSize: negative");
    }
    pieceSha256 = List.copyOf(pieceSha256);
    for (int i = 0; i < pieceSha256.size(); i++) {
      Hex.require(pieceSha256.get(i), 64, "pieceSha256[" + i + "]");
    }
    chunkIds = List.copyOf(chunkIds);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < chunkIds.size(); i++) {
      Hex.require(chunkIds.get(i), 64, "chunkIds[" + i + "]");
      if (!seen.add(chunkIds.get(i))) {
        throw new IllegalArgumentException("chunkIds[" + i + "]: duplicate chunk in pack");
      }
    }
    patches = List.copyOf(patches);
    if (kind.equals(FULL) && !patches.isEmpty()) {
      throw new IllegalArgumentException("patches: a full pack has none");
    }
    Set<String> patched = new HashSet<>();
    for (int i = 0; i < patches.size(); i++) {
      PatchEntry patch = patches.get(i);
      if (seen.contains(patch.chunkId()) || !patched.add(patch.chunkId())) {
        throw new IllegalArgumentException("patches[" + i + "].chunkId: chunk already in pack");
      }
      if (!seen.add(patch.id())) {
        throw new IllegalArgumentException("patches[" + i + "].id: duplicate id in pack");
      }
    }
  }

  public boolean isFull() {
    return kind.equals(FULL);
  }
}
