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
    Text.requirePrintable(path, MAX_LENGTH, field);
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (FORBIDDEN.indexOf(c) >= 0) {
        throw new IllegalArgumentException(field + ": forbidden character '" + c + "'");
      }
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
