package dev.shoal.protocol.json;

/** Checks on strings that end up in canonical JSON. */
public final class Text {
  private Text() {}

  /** True if every surrogate in {@code s} is part of a valid pair (so UTF-8 can encode it). */
  public static boolean isWellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Requires a well-formed, non-empty string of at most {@code maxLength} chars without control
   * characters: free text that humans see but that must never smuggle line breaks into logs.
   */
  public static String requirePrintable(String s, int maxLength, String field) {
    requireLength(s, maxLength, field);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new IllegalArgumentException(field + ": control character at index " + i);
      }
    }
    if (!isWellFormed(s)) {
      throw new IllegalArgumentException(field + ": unpaired surrogate");
    }
    return s;
  }

  /**
   * Requires an identifier token: 1..maxLength chars of {@code [A-Za-z0-9._:-]}, starting with a
   * letter or digit. Used for product, channel and key ids that end up in paths and URLs.
   */
  public static String requireToken(String s, int maxLength, String field) {
    requireLength(s, maxLength, field);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-' && c != ':'))) {
        throw new IllegalArgumentException(field + ": invalid character at index " + i);
      }
    }
    return s;
  }

  private static void requireLength(String s, int maxLength, String field) {
    if (s == null) {
      throw new IllegalArgumentException(field + ": missing");
    }
    if (s.isEmpty() || s.length() > maxLength) {
      throw new IllegalArgumentException(
          field + ": length must be 1.." + maxLength + ", got " + s.length());
    }
  }
}
