package dev.shoal.testsupport;

import dev.shoal.protocol.torrent.Metainfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Private torrents of files on disk, and the hashes tests check downloads against. */
public final class Torrents {

  private Torrents() {}

  /**
   * A private single-file torrent of {@code file} in pieces of {@code pieceLength} bytes,
   * announcing to {@code announce} (null: no tracker).
   */
  public static byte[] of(Path file, int pieceLength, String announce) {
    List<byte[]> sha1s = pieceHashes(file, pieceLength, "SHA-1");
    byte[] pieces = new byte[sha1s.size() * 20];
    for (int i = 0; i < sha1s.size(); i++) {
      System.arraycopy(sha1s.get(i), 0, pieces, i * 20, 20);
    }
    return Metainfo.createPrivate(
        announce, file.getFileName().toString(), file.toFile().length(), pieceLength, pieces);
  }

  /** The SHA-256 of each piece (what a release manifest lists). */
  public static List<byte[]> pieceSha256(Path file, int pieceLength) {
    return pieceHashes(file, pieceLength, "SHA-256");
  }

  /** The SHA-256 of the whole file, in lowercase hex. */
  public static String sha256(Path file) {
    List<byte[]> whole = pieceHashes(file, Integer.MAX_VALUE, "SHA-256");
    return HexFormat.of().formatHex(whole.isEmpty() ? digest("SHA-256").digest() : whole.get(0));
  }

  private static List<byte[]> pieceHashes(Path file, int pieceLength, String algorithm) {
    List<byte[]> out = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 20];
      MessageDigest digest = digest(algorithm);
      long inPiece = 0;
      int n;
      while ((n = in.read(buf, 0, (int) Math.min(buf.length, pieceLength - inPiece))) > 0) {
        digest.update(buf, 0, n);
        inPiece += n;
        if (inPiece == pieceLength) {
          out.add(digest.digest());
          inPiece = 0;
        }
      }
      if (inPiece > 0) {
        out.add(digest.digest());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
