package dev.shoal.agent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/** A clock tests move by hand. */
public final class MutableClock extends Clock {
  private volatile Instant now;
  private final ZoneId zone;

  public MutableClock(ZonedDateTime start) {
    this(start.toInstant(), start.getZone());
  }

  private MutableClock(Instant now, ZoneId zone) {
    this.now = now;
    this.zone = zone;
  }

  public void set(ZonedDateTime t) {
    now = t.toInstant();
  }

  public void advance(Duration d) {
    now = now.plus(d);
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId z) {
    MutableClock parent = this;
    return new Clock() {
      @Override
      public ZoneId getZone() {
        return z;
      }

      @Override
      public Clock withZone(ZoneId other) {
        return parent.withZone(other);
      }

      @Override
      public Instant instant() {
        return parent.instant();
      }
    };
  }

  @Override
  public Instant instant() {
    return now;
  }
}
