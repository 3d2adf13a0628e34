package dev.shoal.agent.consent;

import dev.shoal.agent.bandwidth.UploadHours;
import java.util.Locale;

/** Sizes, rates and hours in the words of a locale, for consent texts (decimal units). */
record Units(
    Locale locale,
    String kb,
    String mb,
    String gb,
    String perSecond,
    String unlimited,
    String onlyBetween,
    String noMonthlyLimit) {

  static Units forLocale(String tag) {
    if (tag.startsWith("fr")) {
      return new Units(
          Locale.FRENCH,
          "ko",
          "Mo",
          "Go",
          "/s",
          // Every text says "never faster than {cap}": an uncapped rate reads as the connection's.
          "la vitesse de votre connexion (aucune limite fixée)",
          "Uniquement entre %s. ",
          "sans limite");
    }
    return new Units(
        Locale.ENGLISH,
        "kB",
        "MB",
        "GB",
        "/s",
        "the speed of your connection (no limit set)",
        "Only between %s. ",
        "no limit");
  }

  String size(long bytes) {
    if (bytes == 0) {
      return noMonthlyLimit;
    }
    return scaled(bytes);
  }

  String rate(long bytesPerSecond) {
    return bytesPerSecond == 0 ? unlimited : scaled(bytesPerSecond) + perSecond;
  }

  String hours(UploadHours hours) {
    return hours == null ? "" : String.format(locale, onlyBetween, hours);
  }

  private String scaled(long bytes) {
    if (bytes >= 1_000_000_000L) {
      return number(bytes / 1e9) + " " + gb;
    }
    if (bytes >= 1_000_000L) {
      return number(bytes / 1e6) + " " + mb;
    }
    if (bytes >= 1_000L) {
      return number(bytes / 1e3) + " " + kb;
    }
    return bytes + " B";
  }

  private String number(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(locale, "%.1f", v);
  }
}
