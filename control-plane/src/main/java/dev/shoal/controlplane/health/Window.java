package dev.shoal.controlplane.health;

import dev.shoal.controlplane.refusal.Refusal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The time range of a chart and its bucket size, from the query parameters {@code from}, {@code to}
 * (ISO-8601 instants) and {@code step} (seconds). Buckets are aligned on multiples of the step
 * since the epoch, so the first one may start a little before {@code from}.
 *
 * @param start the first bucket's start
 * @param buckets how many buckets of {@code step} follow it (the last one contains {@code to})
 */
public record Window(Instant start, Duration step, int buckets) {

  /** Without {@code from}: the 24 hours before {@code to}. */
  public static final Duration DEFAULT_SPAN = Duration.ofHours(24);

  public static final Duration MAX_SPAN = Duration.ofDays(366);

  /** Bucket sizes chosen when {@code step} is not given: the smallest with at most 360 buckets. */
  static final List<Long> STEPS = List.of(60L, 300L, 900L, 3600L, 21_600L, 86_400L);

  static final int MAX_AUTO_BUCKETS = 360;
  public static final int MAX_BUCKETS = 1500;
  public static final long MIN_STEP = 60;
  public static final long MAX_STEP = 86_400;

  public Instant end() {
    return start.plus(step.multipliedBy(buckets));
  }

  public long stepSeconds() {
    return step.toSeconds();
  }

  public Instant bucketStart(int i) {
    return start.plus(step.multipliedBy(i));
  }

  /**
   * SQL for the index of the bucket holding {@code timestamp} (a column or expression): it takes
   * two parameters, the window's start and then its step in seconds.
   */
  public static String bucketSql(String timestamp) {
    return "floor(extract(epoch from (" + timestamp + " - ?::timestamptz)) / ?)::int";
  }

  /** From the query parameters, any of them absent; 400 with the field named when one is bad. */
  public static Window of(String from, String to, Long step, Instant now) {
    Instant end = to == null ? now : instant("to", to);
    Instant begin = from == null ? end.minus(DEFAULT_SPAN) : instant("from", from);
    if (!begin.isBefore(end)) {
      throw Refusal.invalidField("from", "must be before to");
    }
    Duration span = Duration.between(begin, end);
    if (span.compareTo(MAX_SPAN) > 0) {
      throw Refusal.invalidField("from", "must be at most 366 days before to");
    }
    long stepSeconds;
    if (step == null) {
      stepSeconds =
          STEPS.stream()
              .filter(s -> bucketsFor(begin, end, s) <= MAX_AUTO_BUCKETS)
              .findFirst()
              .orElse(MAX_STEP);
    } else {
      if (step < MIN_STEP || step > MAX_STEP) {
        throw Refusal.invalidField("step", "must be from 60 to 86400 seconds");
      }
      stepSeconds = step;
      if (bucketsFor(begin, end, stepSeconds) > MAX_BUCKETS) {
        throw Refusal.invalidField(
            "step", "gives more than " + MAX_BUCKETS + " points for this range: use a larger one");
      }
    }
    long first = Math.floorDiv(begin.getEpochSecond(), stepSeconds) * stepSeconds;
    return new Window(
        Instant.ofEpochSecond(first),
        Duration.ofSeconds(stepSeconds),
        (int) bucketsFor(begin, end, stepSeconds));
  }

  private static long bucketsFor(Instant begin, Instant end, long step) {
    long first = Math.floorDiv(begin.getEpochSecond(), step);
    // The bucket holding the last second before "end" is the last one.
    long last = Math.floorDiv(end.getEpochSecond() - (end.getNano() == 0 ? 1 : 0), step);
    return Math.max(1, last - first + 1);
  }

  private static Instant instant(String field, String value) {
    try {
      return DateTimeFormatter.ISO_INSTANT.parse(value, Instant::from);
    } catch (DateTimeParseException e) {
      throw Refusal.invalidField(field, "must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
    }
  }
}
