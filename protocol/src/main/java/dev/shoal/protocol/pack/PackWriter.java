package dev.shoal.protocol.pack;

import dev.shoal.protocol.Hex;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Writes a pack file and hashes its pieces in the same pass. */
public final class PackWriter {
  private PackWriter() {}

  /**
   * Writes {@code layout} to {@code file}.
   *
   * @param encryptedChunk returns the encrypted bytes of a chunk id
   */
  public static PieceHashes write(
      PackLayout layout, Function<String, byte[]> encryptedChunk, Path file, int pieceLength)
      throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      return write(layout, encryptedChunk, out, pieceLength);
    }
  }

  /** As above, onto a stream (not closed). */
  public static PieceHashes write(
      PackLayout layout, Function<String, byte[]> encryptedChunk, OutputStream out, int pieceLength)
      throws IOException {
    PieceHasher hasher = new PieceHasher(pieceLength);
    for (PackLayout.Slot slot : layout.slots()) {
      byte[] bytes = encryptedChunk.apply(slot.chunkId());
      if (bytes.length != slot.encryptedSize()) {
        throw new IllegalArgumentException(
            "chunk "
                + slot.chunkId()
                + ": "
                + bytes.length
                + " bytes, layout says "
                + slot.encryptedSize());
      }
      out.write(bytes);
      hasher.update(bytes, 0, bytes.length);
    }
    return hasher.finish();
  }

  /** Hashes pieces of any stream of bytes; also usable to check a downloaded pack. */
  public static final class PieceHasher {
    private final int pieceLength;
    private final MessageDigest sha1 = digest("SHA-1");
    private final MessageDigest sha256 = digest("SHA-256");
    private final ByteArrayOutputStream sha1Pieces = new ByteArrayOutputStream();
    private final List<String> sha256Pieces = new ArrayList<>();
    private int inPiece;
    private long total;

    public PieceHasher(int pieceLength) {
      if (Integer.bitCount(pieceLength) != 1 || pieceLength < (16 << 10)) {
        throw new IllegalArgumentException("piece length must be a power of two >= 16 KiB");
      }
      this.pieceLength = pieceLength;
    }

    public void update(byte[] buf, int off, int len) {
      while (len > 0) {
        int n = Math.min(len, pieceLength - inPiece);
        sha1.update(buf, off, n);
        sha256.update(buf, off, n);
        inPiece += n;
        total += n;
        off += n;
        len -= n;
        if (inPiece == pieceLength) {
          endPiece();
        }
      }
    }

    public PieceHashes finish() {
      if (inPiece > 0) {
        endPiece();
      }
      return new PieceHashes(pieceLength, sha1Pieces.toByteArray(), sha256Pieces, total);
    }

    private void endPiece() {
      sha1Pieces.writeBytes(sha1.digest());
      sha256Pieces.add(Hex.encode(sha256.digest()));
      inPiece = 0;
    }

    private static MessageDigest digest(String name) {
      try {
        return MessageDigest.getInstance(name);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
