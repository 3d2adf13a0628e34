package dev.shoal.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** An empty swarm is asked again sooner, then later, and never by every agent in step. */
class TrackerBackoffTest {

  @Test
  void theSpreadStaysWithinTwentyPercentEitherWay() {
    assertThat(Tracker.spread(0)).isCloseTo(0.8, within(1e-9));
    assertThat(Tracker.spread(0.5)).isCloseTo(1.0, within(1e-9));
    assertThat(Tracker.spread(0.999_999)).isCloseTo(1.2, within(1e-5));
  }

  @Test
  void theEmptySwarmGapDoublesUpToAMinuteAndIsSpread() {
    assertThat(Tracker.emptySwarmGap(0, 0, 1)).isEqualTo(3);
    assertThat(Tracker.emptySwarmGap(1, 0, 1)).isEqualTo(6);
    assertThat(Tracker.emptySwarmGap(9, 0, 1)).isEqualTo(60);
    assertThat(Tracker.emptySwarmGap(9, 0, 1.2)).isCloseTo(72, within(1e-9));
    assertThat(Tracker.emptySwarmGap(0, 0, 0.8)).isCloseTo(2.4, within(1e-9));
  }

  @Test
  void neverBelowTheTrackersMinIntervalCappedAtThirtySeconds() {
    assertThat(Tracker.emptySwarmGap(0, 20, 0.8)).isEqualTo(20);
    assertThat(Tracker.emptySwarmGap(0, 900, 0.8)).as("a 15 min min interval").isEqualTo(30);
  }

  @Test
  void agentsThatStartedTogetherSpreadOut() {
    Random random = new Random(22);
    Set<Long> millis = new HashSet<>();
    for (int agent = 0; agent < 1000; agent++) {
      millis.add(
          Math.round(1000 * Tracker.emptySwarmGap(9, 0, Tracker.spread(random.nextDouble()))));
    }
    // 1000 agents over 48..72 s at millisecond resolution: almost all distinct, none in step.
    assertThat(millis).hasSizeGreaterThan(900).allMatch(m -> m >= 48_000 && m <= 72_000);
  }
}
