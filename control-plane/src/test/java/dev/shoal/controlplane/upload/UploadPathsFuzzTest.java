package dev.shoal.controlplane.upload;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.shoal.controlplane.refusal.Refusal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * What a client puts in {@code PUT /api/v1/uploads/{id}/files?path=...} and in Content-Range. Seeds
 * in UploadPathsFuzzTestInputs/&lt;method&gt;/; {@code JAZZER_FUZZ=1} fuzzes (see README).
 */
class UploadPathsFuzzTest {
  private static final Path ROOT = Path.of("/srv/shoal/uploads/1234/files");

  /** Refused with 400, or a file strictly inside the upload whose path is the checked one. */
  @FuzzTest(maxDuration = "3m")
  void path(byte[] bytes) {
    String path = text(bytes);
    String checked;
    try {
      checked = UploadPaths.check(path);
    } catch (Refusal e) {
      check(e.kind() == Refusal.Kind.INVALID, "not a 400: " + e.kind());
      return;
    }
    Path file = UploadPaths.resolve(ROOT, checked);
    check(file.startsWith(ROOT) && !file.equals(ROOT), "escaped: " + file);
    check(ROOT.relativize(file).toString().equals(checked), "normalised to another file: " + file);
    check(!checked.startsWith("/") && !checked.contains("\\"), "unsafe: " + checked);
    for (String name : checked.split("/")) {
      check(
          name.getBytes(StandardCharsets.UTF_8).length <= UploadPaths.MAX_NAME_BYTES,
          "a name too long for file systems: " + checked);
    }
  }

  /** Refused with 400, or a range with 0 <= start <= end < total. */
  @FuzzTest(maxDuration = "3m")
  void contentRange(byte[] bytes) {
    String header = text(bytes);
    Uploads.Range range;
    try {
      range = UploadsController.range(header);
    } catch (Refusal e) {
      check(e.kind() == Refusal.Kind.INVALID, "not a 400: " + e.kind());
      return;
    }
    check(range.start() >= 0 && range.end() >= range.start(), "range " + range);
    check(range.total() == null || range.end() < range.total(), "past the total: " + range);
  }

  /**
   * UTF-8 text (seeds stay readable); a leading 0xFF byte makes the rest UTF-16, which reaches
   * unpaired surrogates and every other char.
   */
  static String text(byte[] bytes) {
    if (bytes.length > 0 && bytes[0] == (byte) 0xff) {
      return new String(bytes, 1, bytes.length - 1, StandardCharsets.UTF_16BE);
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }
}
