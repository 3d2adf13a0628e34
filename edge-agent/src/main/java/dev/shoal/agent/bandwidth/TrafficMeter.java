package dev.shoal.agent.bandwidth;

import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.json.Json;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;

/**
 * Counts bytes by origin for today and this month in the player's time zone and persists them, so a
 * restart never resets the monthly upload allowance. Counting is in memory; {@link #flush()} writes
 * (the agent calls it every few seconds and on shutdown), so a crash loses a few seconds of counts
 * at most.
 */
public final class TrafficMeter {
  /** Where bytes came from or went to. */
  public enum Kind {
    FROM_PEERS,
    FROM_ORIGIN,
    UPLOADED
  }

  /** Byte totals for one period. */
  public record Totals(long fromPeers, long fromOrigin, long uploaded) {
    static final Totals ZERO = new Totals(0, 0, 0);

    Totals plus(Kind kind, long n) {
      return switch (kind) {
        case FROM_PEERS -> new Totals(fromPeers + n, fromOrigin, uploaded);
        case FROM_ORIGIN -> new Totals(fromPeers, fromOrigin + n, uploaded);
        case UPLOADED -> new Totals(fromPeers, fromOrigin, uploaded + n);
      };
    }
  }

  /** The persisted form. */
  record Saved(LocalDate day, YearMonth month, Totals today, Totals thisMonth) {}

  private final DataDir dataDir;
  private final Path file;
  private final Clock clock;
  private final ZoneId zone;
  private Saved state;
  private boolean dirty;

  private TrafficMeter(DataDir dataDir, Clock clock, ZoneId zone, Saved state) {
    this.dataDir = dataDir;
    this.file = dataDir.stateDir().resolve("traffic.json");
    this.clock = clock;
    this.zone = zone;
    this.state = state;
  }

  public static TrafficMeter open(DataDir dataDir, Clock clock, ZoneId zone) {
    Path file = dataDir.stateDir().resolve("traffic.json");
    Saved saved =
        dataDir
            .readString(file)
            .map(s -> Json.MAPPER.readValue(s, Saved.class))
            .orElseGet(() -> new Saved(null, null, Totals.ZERO, Totals.ZERO));
    return new TrafficMeter(dataDir, clock, zone, saved);
  }

  public synchronized void record(Kind kind, long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative");
    }
    roll();
    state =
        new Saved(
            state.day(),
            state.month(),
            state.today().plus(kind, bytes),
            state.thisMonth().plus(kind, bytes));
    dirty = true;
  }

  public synchronized Totals today() {
    roll();
    return state.today();
  }

  public synchronized Totals thisMonth() {
    roll();
    return state.thisMonth();
  }

  /** First instant of next month in the player's zone: when the monthly allowance resets. */
  public java.time.ZonedDateTime monthResetsAt() {
    return YearMonth.now(clock.withZone(zone)).plusMonths(1).atDay(1).atStartOfDay(zone);
  }

  public synchronized void flush() {
    roll();
    if (dirty) {
      dataDir.writeAtomically(file, Json.MAPPER.writeValueAsString(state));
      dirty = false;
    }
  }

  /** Starts new periods when the day or month changed since the last count. */
  private void roll() {
    LocalDate today = LocalDate.now(clock.withZone(zone));
    YearMonth month = YearMonth.from(today);
    Totals day = today.equals(state.day()) ? state.today() : Totals.ZERO;
    Totals mon = month.equals(state.month()) ? state.thisMonth() : Totals.ZERO;
    if (!today.equals(state.day()) || !month.equals(state.month())) {
      state = new Saved(today, month, day, mon);
      dirty = true;
    }
  }
}
