package dev.shoal.protocol.torrent;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Bencoding (BEP 3) with hard limits, because decoders run on hostile input (tracker queries,
 * torrents uploaded by users, peer extension messages).
 *
 * <p>Decoded types: {@code Long} for integers, {@code byte[]} for strings, {@code List<Object>} for
 * lists and {@code Map<String,Object>} for dictionaries. Dictionary keys are decoded as ISO-8859-1
 * so that every byte maps to one char and String order equals raw byte order, which is what
 * canonical encoding needs. We do not use ttorrent's BDecoder: it allocates whatever length a
 * string prefix claims and recurses without a depth limit, so a 20-byte input can exhaust the heap
 * or the stack.
 */
public final class Bencode {
  /** Default limits: 16 MiB input, nesting 64, 1M values in total. */
  public static final Limits DEFAULT_LIMITS = new Limits(16 << 20, 64, 1 << 20);

  /** Decoding limits. */
  public record Limits(int maxInputBytes, int maxDepth, int maxValues) {
    public Limits {
      if (maxInputBytes <= 0 || maxDepth <= 0 || maxValues <= 0) {
        throw new IllegalArgumentException("limits must be positive");
      }
    }
  }

  /** An already-encoded value embedded verbatim (keeps an info dict byte-identical). */
  record Raw(byte[] encoded) {}

  private Bencode() {}

  /** Decodes exactly one value that must span the whole input. */
  public static Object decode(byte[] data) throws BencodeException {
    return decode(data, DEFAULT_LIMITS);
  }

  public static Object decode(byte[] data, Limits limits) throws BencodeException {
    Decoder d = new Decoder(data, 0, data.length, limits);
    Object value = d.value(0);
    if (d.pos != data.length) {
      throw new BencodeException("trailing data after value", d.pos);
    }
    return value;
  }

  /**
   * Decodes a top-level dictionary and returns the raw byte range {@code [start, end)} of the value
   * under {@code key}, or null if absent. Used to hash the info dict exactly as it was sent.
   */
  static int[] topLevelValueSpan(byte[] data, String key, Limits limits) throws BencodeException {
    Decoder d = new Decoder(data, 0, data.length, limits);
    d.spanKey = key;
    Object value = d.value(0);
    if (!(value instanceof Map) || d.pos != data.length) {
      throw new BencodeException("expected a single dictionary", d.pos);
    }
    return d.span;
  }

  /** Encodes canonically: dictionary keys sorted by raw bytes. */
  public static byte[] encode(Object value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(out, value);
    return out.toByteArray();
  }

  private static void write(ByteArrayOutputStream out, Object v) {
    if (v instanceof byte[] b) {
      writeBytes(out, b);
    } else if (v instanceof String s) {
      writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
    } else if (v instanceof Long || v instanceof Integer || v instanceof Short) {
      ascii(out, "i" + ((Number) v).longValue() + "e");
    } else if (v instanceof List<?> list) {
      out.write('l');
      list.forEach(e -> write(out, e));
      out.write('e');
    } else if (v instanceof Map<?, ?> map) {
      writeMap(out, map);
    } else if (v instanceof Raw raw) {
      out.writeBytes(raw.encoded());
    } else {
      throw new IllegalArgumentException("cannot bencode " + (v == null ? "null" : v.getClass()));
    }
  }

  private static void writeMap(ByteArrayOutputStream out, Map<?, ?> map) {
    TreeMap<String, Object> sorted = new TreeMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String k)) {
        throw new IllegalArgumentException("dictionary keys must be strings");
      }
      if (e.getValue() != null) {
        sorted.put(k, e.getValue());
      }
    }
    out.write('d');
    sorted.forEach(
        (k, val) -> {
          writeBytes(out, k.getBytes(StandardCharsets.ISO_8859_1));
          write(out, val);
        });
    out.write('e');
  }

  private static void writeBytes(ByteArrayOutputStream out, byte[] b) {
    ascii(out, b.length + ":");
    out.writeBytes(b);
  }

  private static void ascii(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
  }

  /** Key as the ISO-8859-1 string {@link #decode} uses. */
  public static String key(byte[] raw) {
    return new String(raw, StandardCharsets.ISO_8859_1);
  }

  private static final class Decoder {
    private final byte[] data;
    private final int end;
    private final Limits limits;
    private int pos;
    private int values;
    private String spanKey;
    private int[] span;

    Decoder(byte[] data, int start, int end, Limits limits) throws BencodeException {
      if (end - start > limits.maxInputBytes()) {
        throw new BencodeException("input larger than " + limits.maxInputBytes() + " bytes", 0);
      }
      this.data = data;
      this.pos = start;
      this.end = end;
      this.limits = limits;
    }

    Object value(int depth) throws BencodeException {
      if (depth > limits.maxDepth()) {
        throw new BencodeException("nesting deeper than " + limits.maxDepth(), pos);
      }
      if (++values > limits.maxValues()) {
        throw new BencodeException("more than " + limits.maxValues() + " values", pos);
      }
      int c = peek();
      if (c == 'i') {
        pos++;
        return integer('e');
      }
      if (c == 'l') {
        return list(depth);
      }
      if (c == 'd') {
        return dict(depth);
      }
      if (c >= '0' && c <= '9') {
        return string();
      }
      throw new BencodeException("unexpected byte 0x" + Integer.toHexString(c & 0xff), pos);
    }

    private int peek() throws BencodeException {
      if (pos >= end) {
        throw new BencodeException("unexpected end of input", pos);
      }
      return data[pos];
    }

    private long integer(char terminator) throws BencodeException {
      int start = pos;
      boolean negative = peek() == '-';
      if (negative) {
        pos++;
      }
      int digitsStart = pos;
      long value = 0;
      while (peek() != terminator) {
        int c = data[pos];
        if (c < '0' || c > '9') {
          throw new BencodeException("invalid digit in integer", pos);
        }
        if (pos - digitsStart >= 18) {
          throw new BencodeException("integer too long", start);
        }
        value = value * 10 + (c - '0');
        pos++;
      }
      int digits = pos - digitsStart;
      if (digits == 0) {
        throw new BencodeException("empty integer", start);
      }
      if (digits > 1 && data[digitsStart] == '0') {
        throw new BencodeException("leading zero in integer", start);
      }
      if (negative && value == 0) {
        throw new BencodeException("negative zero", start);
      }
      pos++; // terminator
      return negative ? -value : value;
    }

    private byte[] string() throws BencodeException {
      int start = pos;
      if (terminatorMissing(':')) {
        throw new BencodeException("string length without ':'", start);
      }
      long len = integer(':');
      if (len < 0) {
        throw new BencodeException("negative string length", start);
      }
      if (len > end - pos) {
        throw new BencodeException("string length " + len + " exceeds input", start);
      }
      byte[] out = Arrays.copyOfRange(data, pos, pos + (int) len);
      pos += (int) len;
      return out;
    }

    private boolean terminatorMissing(char c) {
      for (int i = pos; i < end && i - pos < 20; i++) {
        if (data[i] == c) {
          return false;
        }
      }
      return true;
    }

    private List<Object> list(int depth) throws BencodeException {
      pos++;
      List<Object> out = new ArrayList<>();
      while (peek() != 'e') {
        out.add(value(depth + 1));
      }
      pos++;
      return out;
    }

    private Map<String, Object> dict(int depth) throws BencodeException {
      pos++;
      Map<String, Object> out = new LinkedHashMap<>();
      String previous = null;
      while (peek() != 'e') {
        int keyPos = pos;
        if (peek() < '0' || peek() > '9') {
          throw new BencodeException("dictionary key must be a string", pos);
        }
        String k = key(string());
        if (previous != null && previous.compareTo(k) >= 0) {
          throw new BencodeException(
              previous.equals(k) ? "duplicate key" : "keys not sorted", keyPos);
        }
        previous = k;
        int valueStart = pos;
        out.put(k, value(depth + 1));
        if (depth == 0 && k.equals(spanKey)) {
          span = new int[] {valueStart, pos};
        }
      }
      pos++;
      return out;
    }
  }
}
