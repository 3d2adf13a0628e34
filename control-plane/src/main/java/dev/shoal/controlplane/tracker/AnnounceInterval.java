package dev.shoal.controlplane.tracker;

import dev.shoal.controlplane.config.ShoalProperties;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The {@code interval} each announce response carries: the configured one spread by up to {@code
 * jitterPercent} either way, drawn per response, so that agents that started together (release day)
 * drift apart instead of announcing in step. Only the regular re-announce is spread: agents
 * announce their first time and their events (completion, uploads switched on or off) at once, and
 * {@code min interval} stays at most 30 s so that a long interval never holds those back.
 */
record AnnounceInterval(Duration interval, int jitterPercent) {

  static AnnounceInterval of(ShoalProperties.Tracker settings) {
    return new AnnounceInterval(settings.interval(), settings.intervalJitter());
  }

  private static final int MIN_INTERVAL_CAP_SECONDS = 30;

  int nextSeconds(RandomGenerator random) {
    long seconds = interval.toSeconds();
    long spread = seconds * jitterPercent / 100;
    return (int) (seconds + (spread == 0 ? 0 : random.nextLong(-spread, spread + 1)));
  }

  int minIntervalSeconds() {
    return (int) Math.min(interval.toSeconds() / 2, MIN_INTERVAL_CAP_SECONDS);
  }

  /** Peers silent for two of the longest intervals handed out are gone. */
  Duration peerExpiry() {
    return interval.plus(interval.multipliedBy(jitterPercent).dividedBy(100)).multipliedBy(2);
  }
}
