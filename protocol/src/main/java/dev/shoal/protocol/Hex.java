package dev.shoal.protocol;

import java.util.HexFormat;

/** Lowercase hex, the only hex form the formats accept. */
public final class Hex {
  private static final HexFormat LOWER = HexFormat.of();

  private Hex() {}

  public static String encode(byte[] bytes) {
    return LOWER.formatHex(bytes);
  }

  /** Decodes lowercase hex; anything else (uppercase, odd length, other characters) is rejected. */
  public static byte[] decode(String hex) {
    if (!isLowerHex(hex, hex.length()) || hex.length() % 2 != 0) {
      throw new IllegalArgumentException("not lowercase hex");
    }
    return LOWER.parseHex(hex);
  }

  /** True if {@code s} is exactly {@code length} lowercase hex digits. */
  public static boolean isLowerHex(String s, int length) {
    if (s == null || s.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Throws with a message naming {@code field} unless {@code s} is {@code length} lowercase hex.
   */
  public static String require(String s, int length, String field) {
    if (!isLowerHex(s, length)) {
      throw new IllegalArgumentException(
          field + ": expected " + length + " lowercase hex digits, got " + describe(s));
    }
    return s;
  }

  private static String describe(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() > 80 ? "a string of length " + s.length() : "\"" + s + "\"";
  }
}
