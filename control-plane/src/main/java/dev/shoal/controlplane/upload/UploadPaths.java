package dev.shoal.controlplane.upload;

import static dev.shoal.controlplane.refusal.Refusal.Kind.INVALID;

import dev.shoal.controlplane.refusal.Refusal;
import dev.shoal.protocol.manifest.FileEntry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns a client-supplied relative path into a file under an upload's directory, or refuses it. The
 * rule is protocol's manifest path rule (relative, '/'-separated, no '.' or '..' segments, no
 * characters Windows refuses), so that whatever is accepted here can be published.
 */
final class UploadPaths {

  private static final String ZERO_HASH = "0".repeat(64);

  /** The longest file or directory name Linux, Windows and macOS file systems all accept. */
  static final int MAX_NAME_BYTES = 255;

  private UploadPaths() {}

  /** The checked path, with a leading "./" (common in tar files) removed. */
  static String check(String path) {
    String p = path != null && path.startsWith("./") ? path.substring(2) : path;
    try {
      // protocol's SafePath is package-private; FileEntry applies it to its path.
      new FileEntry(p, 0, 0, ZERO_HASH, List.of());
    } catch (IllegalArgumentException e) {
      throw new Refusal(INVALID, "Refused path '" + printable(path) + "': " + e.getMessage());
    }
    for (String name : p.split("/")) {
      // File systems refuse longer names (ENAMETOOLONG), which would otherwise be a 500.
      if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
        throw new Refusal(
            INVALID,
            "Refused path '"
                + printable(path)
                + "': a name is longer than "
                + MAX_NAME_BYTES
                + " bytes in UTF-8");
      }
    }
    return p;
  }

  /** The file for a checked path, proven to be inside {@code root}. */
  static Path resolve(Path root, String checkedPath) {
    Path file = root.resolve(checkedPath).normalize();
    if (!file.startsWith(root) || file.equals(root)) {
      throw new Refusal(INVALID, "Refused path '" + printable(checkedPath) + "'");
    }
    return file;
  }

  private static String printable(String path) {
    if (path == null) {
      return "";
    }
    String cut = path.length() > 200 ? path.substring(0, 200) + "..." : path;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
