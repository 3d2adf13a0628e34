package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Long intervals are spread so that agents drift apart; events are never held back. */
class AnnounceIntervalTest {

  @Test
  void thirtyMinutesSpreadByTenPercentEitherWay() {
    AnnounceInterval interval = new AnnounceInterval(Duration.ofMinutes(30), 10);
    Random random = new Random(22);
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      seen.add(interval.nextSeconds(random));
    }
    assertThat(seen).allMatch(s -> s >= 1620 && s <= 1980).contains(1620, 1980);
    assertThat(seen.size()).as("spread over the whole range, not a few values").isGreaterThan(300);
    assertThat(interval.minIntervalSeconds())
        .as("completion and consent announces are not held back by a long interval")
        .isEqualTo(30);
    assertThat(interval.peerExpiry()).isEqualTo(Duration.ofMinutes(66));
  }

  @Test
  void withoutJitterTheIntervalIsExactAndShortOnesKeepHalfAsMinInterval() {
    AnnounceInterval interval = new AnnounceInterval(Duration.ofSeconds(45), 0);
    assertThat(interval.nextSeconds(new Random(1))).isEqualTo(45);
    assertThat(interval.minIntervalSeconds()).isEqualTo(22);
    assertThat(interval.peerExpiry()).isEqualTo(Duration.ofSeconds(90));
  }
}
