package dev.shoal.protocol.manifest;

import dev.shoal.protocol.json.Text;

/**
 * The file path rule: a relative path with '/' separators that cannot escape the install directory
 * or mean different files on different operating systems.
 */
final class SafePath {
  static final int MAX_LENGTH = 1024;

  /** Characters Windows refuses in names; a path that works only on Linux would break installs. */
  private static final String FORBIDDEN = "\\:*?\"<>|";

  private SafePath() {}

  static String require(String path, String field) {
    if (path == null) {
      throw new IllegalArgumentException(field + ": missing");
    }
    if (path.isEmpty() || path.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          field + ": length must be 1.." + MAX_LENGTH + ", got " + path.length());
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new IllegalArgumentException(field + ": control character at index " + i);
      }
      if (FORBIDDEN.indexOf(c) >= 0) {
        throw new IllegalArgumentException(field + ": forbidden character '" + c + "'");
      }
    }
    if (!Text.isWellFormed(path)) {
      throw new IllegalArgumentException(field + ": unpaired surrogate");
    }
    if (path.startsWith("/")) {
      throw new IllegalArgumentException(field + ": absolute path");
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty()) {
        throw new IllegalArgumentException(field + ": empty path segment");
      }
      if (segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(field + ": '" + segment + "' segment");
      }
    }
    return path;
  }
}
