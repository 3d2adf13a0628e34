package dev.shoal.protocol.torrent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A single-file BitTorrent v1 torrent. Parsing is strict: only what Shoal publishes is accepted, so
 * hostile uploads are rejected early with a {@link MetainfoException}.
 */
public final class Metainfo {
  /** Largest torrent file we accept. */
  public static final int MAX_TORRENT_BYTES = 8 << 20;

  private static final int MIN_PIECE = 16 << 10;
  private static final int MAX_PIECE = 64 << 20;
  private static final long MAX_LENGTH = 1L << 44; // 16 TiB
  private static final int MAX_NAME_BYTES = 255;
  private static final int MAX_URL_BYTES = 2048;
  private static final Bencode.Limits LIMITS = new Bencode.Limits(MAX_TORRENT_BYTES, 8, 1024);

  private final byte[] torrent;
  private final byte[] infoBytes;
  private final String announce;
  private final String name;
  private final long length;
  private final int pieceLength;
  private final byte[] pieces;
  private final boolean isPrivate;
  private final byte[] infoHash;

  private Metainfo(byte[] torrent, byte[] infoBytes, String announce, Map<String, Object> info)
      throws MetainfoException {
    this.torrent = torrent;
    this.infoBytes = infoBytes;
    this.announce = announce;
    this.name = name(info);
    this.length = requireLong(info, "length", 1, MAX_LENGTH);
    this.pieceLength = (int) requireLong(info, "piece length", MIN_PIECE, MAX_PIECE);
    if (Integer.bitCount(pieceLength) != 1) {
      throw new MetainfoException("piece length must be a power of two");
    }
    this.pieces = requireBytes(info, "pieces");
    long count = (length + pieceLength - 1) / pieceLength;
    if (pieces.length != count * 20) {
      throw new MetainfoException("pieces must hold " + count + " SHA-1 hashes");
    }
    Object priv = info.get("private");
    if (priv != null && !(priv instanceof Long)) {
      throw new MetainfoException("private must be an integer");
    }
    this.isPrivate = Long.valueOf(1).equals(priv);
    this.infoHash = sha1(infoBytes);
  }

  /** Builds a private single-file torrent; keys are written canonically (sorted). */
  public static byte[] createPrivate(
      String announceUrl, String name, long length, int pieceLength, byte[] pieces) {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("length", length);
    info.put("name", name);
    info.put("piece length", (long) pieceLength);
    info.put("pieces", pieces);
    info.put("private", 1L);
    Map<String, Object> top = new LinkedHashMap<>();
    if (announceUrl != null) {
      top.put("announce", announceUrl);
    }
    top.put("info", info);
    byte[] out = Bencode.encode(top);
    try {
      parse(out);
    } catch (MetainfoException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    return out;
  }

  /** Parses and validates torrent bytes. */
  public static Metainfo parse(byte[] torrentBytes) throws MetainfoException {
    if (torrentBytes == null || torrentBytes.length > MAX_TORRENT_BYTES) {
      throw new MetainfoException("torrent missing or larger than " + MAX_TORRENT_BYTES);
    }
    Object top;
    int[] span;
    try {
      top = Bencode.decode(torrentBytes, LIMITS);
      span = Bencode.topLevelValueSpan(torrentBytes, "info", LIMITS);
    } catch (BencodeException e) {
      throw new MetainfoException("not valid bencoding: " + e.getMessage(), e);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> dict = (Map<String, Object>) top;
    if (!(dict.get("info") instanceof Map<?, ?> infoMap) || span == null) {
      throw new MetainfoException("missing info dictionary");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> info = (Map<String, Object>) infoMap;
    if (info.containsKey("files")) {
      throw new MetainfoException("multi-file torrents are not supported");
    }
    if (info.containsKey("meta version")) {
      throw new MetainfoException("BitTorrent v2 torrents are not supported");
    }
    String announce = null;
    if (dict.containsKey("announce")) {
      announce = utf8(requireBytes(dict, "announce"), MAX_URL_BYTES, "announce");
    }
    byte[] infoBytes = Arrays.copyOfRange(torrentBytes, span[0], span[1]);
    return new Metainfo(torrentBytes.clone(), infoBytes, announce, info);
  }

  /** New torrent bytes with another announce URL and the very same info dict (same hash). */
  public byte[] withAnnounce(String announceUrl) {
    Map<String, Object> top = new LinkedHashMap<>();
    top.put("announce", announceUrl);
    top.put("info", new Bencode.Raw(infoBytes));
    return Bencode.encode(top);
  }

  public String announce() {
    return announce;
  }

  public String name() {
    return name;
  }

  public long length() {
    return length;
  }

  public int pieceLength() {
    return pieceLength;
  }

  public int pieceCount() {
    return pieces.length / 20;
  }

  /** Size of piece {@code index}; only the last piece can be shorter. */
  public int pieceSize(int index) {
    long start = (long) index * pieceLength;
    return (int) Math.min(pieceLength, length - start);
  }

  public byte[] pieceSha1(int index) {
    return Arrays.copyOfRange(pieces, index * 20, index * 20 + 20);
  }

  public boolean isPrivate() {
    return isPrivate;
  }

  public byte[] infoHash() {
    return infoHash.clone();
  }

  public String infoHashHex() {
    return HexFormat.of().formatHex(infoHash);
  }

  /** The torrent bytes this was parsed from. */
  public byte[] torrentBytes() {
    return torrent.clone();
  }

  private static String name(Map<String, Object> info) throws MetainfoException {
    String n = utf8(requireBytes(info, "name"), MAX_NAME_BYTES, "name");
    if (n.isEmpty()
        || n.equals(".")
        || n.equals("..")
        || n.contains("/")
        || n.contains("\\")
        || n.indexOf('\0') >= 0) {
      throw new MetainfoException("name must be a plain file name");
    }
    return n;
  }

  private static String utf8(byte[] b, int max, String what) throws MetainfoException {
    if (b.length > max) {
      throw new MetainfoException(what + " longer than " + max + " bytes");
    }
    var decoder = StandardCharsets.UTF_8.newDecoder();
    try {
      return decoder.decode(java.nio.ByteBuffer.wrap(b)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new MetainfoException(what + " is not valid UTF-8");
    }
  }

  private static byte[] requireBytes(Map<String, Object> m, String key) throws MetainfoException {
    if (!(m.get(key) instanceof byte[] b)) {
      throw new MetainfoException("missing or non-string '" + key + "'");
    }
    return b;
  }

  private static long requireLong(Map<String, Object> m, String key, long min, long max)
      throws MetainfoException {
    if (!(m.get(key) instanceof Long v) || v < min || v > max) {
      throw new MetainfoException("'" + key + "' must be an integer in [" + min + ", " + max + "]");
    }
    return v;
  }

  static byte[] sha1(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
