package dev.shoal.testkit.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's load average, to print next to the benchmarks' figures. (Builds written to disk and
 * streamed uploads are test-support's GameBuilds and Publisher.)
 */
final class Bench {
  private Bench() {}

  /** The 1, 5 and 15 minute load averages, as {@code /proc/loadavg} gives them. */
  static String load() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + "/" + f[1] + "/" + f[2];
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The current 1 minute load average. */
  static String load1() {
    return load().split("/")[0];
  }
}
