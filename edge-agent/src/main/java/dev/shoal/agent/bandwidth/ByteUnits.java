package dev.shoal.agent.bandwidth;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints sizes and rates the way players write them: 2MB, 500kB/s, 20GB, 0. */
public final class ByteUnits {
  private static final Pattern SIZE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]i?b?|b)?(/s)?", Pattern.CASE_INSENSITIVE);

  private ByteUnits() {}

  /** "0", "none", "unlimited" mean 0 (no limit); decimal units, KiB/MiB/GiB binary. */
  public static long parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("unlimited") || t.equals("none") || t.equals("no-limit")) {
      return 0;
    }
    Matcher m = SIZE.matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size: " + text + " (try 2MB, 500kB, 20GB or 0)");
    }
    double n = Double.parseDouble(m.group(1));
    return Math.round(n * multiplier(m.group(2) == null ? "b" : m.group(2)));
  }

  private static double multiplier(String unit) {
    boolean binary = unit.contains("i");
    double base = binary ? 1024 : 1000;
    return switch (unit.charAt(0)) {
      case 'k' -> base;
      case 'm' -> base * base;
      case 'g' -> base * base * base;
      case 't' -> base * base * base * base;
      default -> 1;
    };
  }

  public static String format(long n) {
    if (n >= 1_000_000_000L) {
      return String.format(Locale.ROOT, "%.1f GB", n / 1e9);
    }
    if (n >= 1_000_000L) {
      return String.format(Locale.ROOT, "%.1f MB", n / 1e6);
    }
    if (n >= 1_000L) {
      return String.format(Locale.ROOT, "%.1f kB", n / 1e3);
    }
    return n + " B";
  }

  public static String cap(long bytesPerSecond) {
    return bytesPerSecond == 0 ? "no limit" : format(bytesPerSecond) + "/s";
  }
}
