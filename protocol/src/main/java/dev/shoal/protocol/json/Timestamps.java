package dev.shoal.protocol.json;

import java.time.Instant;

/** The timestamp rule of the formats: UTC, whole seconds, years 1970 to 9999. */
public final class Timestamps {
  private static final long MAX_EPOCH_SECOND =
      Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();

  private Timestamps() {}

  public static Instant require(Instant instant, String field) {
    if (instant == null) {
      throw new IllegalArgumentException(field + ": missing");
    }
    if (instant.getNano() != 0) {
      throw new IllegalArgumentException(field + ": must have whole-second precision");
    }
    if (instant.getEpochSecond() < 0 || instant.getEpochSecond() > MAX_EPOCH_SECOND) {
      throw new IllegalArgumentException(field + ": outside 1970..9999");
    }
    return instant;
  }
}
