package dev.shoal.controlplane.tracker;

import java.time.Clock;
import java.time.Duration;

/** The clock peers are stamped with, and how long after their last announce they are gone. */
record PeerExpiry(Clock clock, Duration after) {

  long now() {
    return clock.millis();
  }

  /** Peers last seen before this are gone. */
  long oldest() {
    return now() - after.toMillis();
  }
}
