package dev.shoal.protocol.pack;

import java.util.Arrays;
import java.util.List;

/**
 * Piece hashes of a pack.
 *
 * @param pieceLength bytes per piece (the last piece may be shorter)
 * @param sha1 20-byte SHA-1 per piece, concatenated: the torrent's "pieces" value
 * @param sha256 lowercase hex SHA-256 per piece: the manifest's {@code pieceSha256}
 * @param totalSize bytes hashed
 */
public record PieceHashes(int pieceLength, byte[] sha1, List<String> sha256, long totalSize) {
  public PieceHashes {
    sha1 = sha1.clone();
    sha256 = List.copyOf(sha256);
    if (sha1.length != 20 * sha256.size()) {
      throw new IllegalArgumentException("sha1 and sha256 piece counts differ");
    }
  }

  @Override
  public byte[] sha1() {
    return sha1.clone();
  }

  public int pieceCount() {
    return sha256.size();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PieceHashes p
        && pieceLength == p.pieceLength
        && totalSize == p.totalSize
        && Arrays.equals(sha1, p.sha1)
        && sha256.equals(p.sha256);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(sha1);
  }

  @Override
  public String toString() {
    return "PieceHashes[" + sha256.size() + " x " + pieceLength + "]";
  }
}
