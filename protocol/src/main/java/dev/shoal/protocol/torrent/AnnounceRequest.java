package dev.shoal.protocol.torrent;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * An HTTP tracker announce (BEP 3, compact per BEP 23). {@link #parse} runs on hostile input in the
 * control-plane tracker, so it bounds the query size and validates every field.
 */
public record AnnounceRequest(
    byte[] infoHash,
    byte[] peerId,
    int port,
    long uploaded,
    long downloaded,
    long left,
    Event event,
    int numwant,
    boolean compact) {

  public static final int MAX_QUERY_CHARS = 4096;
  public static final int DEFAULT_NUMWANT = 50;

  /** Announce event; NONE is a regular re-announce (no {@code event} parameter). */
  public enum Event {
    NONE,
    STARTED,
    COMPLETED,
    STOPPED;

    String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public AnnounceRequest {
    if (infoHash == null || infoHash.length != 20 || peerId == null || peerId.length != 20) {
      throw new IllegalArgumentException("info_hash and peer_id must be 20 bytes");
    }
    if (port < 0 || port > 65535 || uploaded < 0 || downloaded < 0 || left < 0 || numwant < 0) {
      throw new IllegalArgumentException("port or counters out of range");
    }
    infoHash = infoHash.clone();
    peerId = peerId.clone();
    event = event == null ? Event.NONE : event;
  }

  @Override
  public byte[] infoHash() {
    return infoHash.clone();
  }

  @Override
  public byte[] peerId() {
    return peerId.clone();
  }

  /** The query string (without '?'), binary fields percent-encoded byte by byte. */
  public String toQueryString() {
    StringBuilder q = new StringBuilder(256);
    q.append("info_hash=").append(urlEncode(infoHash));
    q.append("&peer_id=").append(urlEncode(peerId));
    q.append("&port=").append(port);
    q.append("&uploaded=").append(uploaded);
    q.append("&downloaded=").append(downloaded);
    q.append("&left=").append(left);
    q.append("&compact=").append(compact ? 1 : 0);
    q.append("&numwant=").append(numwant);
    if (event != Event.NONE) {
      q.append("&event=").append(event.wire());
    }
    return q.toString();
  }

  /** Full announce URL: appends the query to {@code announceUrl}, keeping any passkey query. */
  public String toUrl(String announceUrl) {
    return announceUrl + (announceUrl.indexOf('?') >= 0 ? "&" : "?") + toQueryString();
  }

  /**
   * Parses a raw (still percent-encoded) query string. Unknown parameters (passkey, key, ip,
   * supportcrypto...) are ignored; repeated known parameters are rejected.
   */
  public static AnnounceRequest parse(String rawQuery) throws AnnounceException {
    if (rawQuery == null || rawQuery.length() > MAX_QUERY_CHARS) {
      throw new AnnounceException("query missing or longer than " + MAX_QUERY_CHARS);
    }
    Map<String, byte[]> params = new HashMap<>();
    for (String pair : rawQuery.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      byte[] value = urlDecode(eq < 0 ? "" : pair.substring(eq + 1));
      if (KNOWN.contains(name) && params.put(name, value) != null) {
        throw new AnnounceException("repeated parameter " + name);
      }
    }
    return fromParams(params);
  }

  private static final java.util.Set<String> KNOWN =
      java.util.Set.of(
          "info_hash",
          "peer_id",
          "port",
          "uploaded",
          "downloaded",
          "left",
          "event",
          "numwant",
          "compact");

  private static AnnounceRequest fromParams(Map<String, byte[]> p) throws AnnounceException {
    byte[] infoHash = required(p, "info_hash");
    byte[] peerId = required(p, "peer_id");
    if (infoHash.length != 20 || peerId.length != 20) {
      throw new AnnounceException("info_hash and peer_id must be 20 bytes");
    }
    int port = (int) number(p, "port", true, 65535);
    long up = number(p, "uploaded", true, Long.MAX_VALUE / 2);
    long down = number(p, "downloaded", true, Long.MAX_VALUE / 2);
    long left = number(p, "left", true, Long.MAX_VALUE / 2);
    int numwant =
        p.containsKey("numwant") ? (int) number(p, "numwant", true, 1000) : DEFAULT_NUMWANT;
    boolean compact = !p.containsKey("compact") || number(p, "compact", true, 1) == 1;
    return new AnnounceRequest(
        infoHash, peerId, port, up, down, left, event(p.get("event")), numwant, compact);
  }

  private static Event event(byte[] raw) throws AnnounceException {
    if (raw == null || raw.length == 0) {
      return Event.NONE;
    }
    String s = new String(raw, StandardCharsets.ISO_8859_1);
    for (Event e : Event.values()) {
      if (e != Event.NONE && e.wire().equals(s)) {
        return e;
      }
    }
    throw new AnnounceException("unknown event");
  }

  private static byte[] required(Map<String, byte[]> p, String name) throws AnnounceException {
    byte[] v = p.get(name);
    if (v == null) {
      throw new AnnounceException("missing " + name);
    }
    return v;
  }

  private static long number(Map<String, byte[]> p, String name, boolean required, long max)
      throws AnnounceException {
    byte[] v = required ? required(p, name) : p.get(name);
    if (v.length == 0 || v.length > 19) {
      throw new AnnounceException("bad number for " + name);
    }
    long n = 0;
    for (byte b : v) {
      if (b < '0' || b > '9') {
        throw new AnnounceException("bad number for " + name);
      }
      n = n * 10 + (b - '0');
    }
    if (n > max) {
      throw new AnnounceException(name + " out of range");
    }
    return n;
  }

  private static final String UNRESERVED =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

  static String urlEncode(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length * 3);
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c < 128 && UNRESERVED.indexOf(c) >= 0) {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        sb.append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return sb.toString();
  }

  static byte[] urlDecode(String s) throws AnnounceException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          throw new AnnounceException("truncated percent escape");
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new AnnounceException("bad percent escape");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else if (c == '+') {
        out.write(' ');
      } else if (c < 0x21 || c > 0x7e) {
        throw new AnnounceException("raw non-ASCII or control character in query");
      } else {
        out.write(c);
      }
    }
    return out.toByteArray();
  }
}
