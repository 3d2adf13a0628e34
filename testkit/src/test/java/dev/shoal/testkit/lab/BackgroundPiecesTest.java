package dev.shoal.testkit.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cheap pieces of {@code testkit/lab/run.sh background} (BackgroundLabBenchmark), without the
 * lab: how the uplink's queue is sized, and the delay probe's windows and statistics.
 */
class BackgroundPiecesTest {
  @Test
  void aSizedQueueHoldsThatManyMillisecondsAtTheRate_neverLessThanTheBurst() {
    // 8 Mbit/s = 1,000,000 bytes/s: 300 ms of it.
    assertThat(Home.tbf(8_000, 300))
        .containsExactly("rate", "8000kbit", "burst", "65536", "limit", "300000");
    // 1 Mbit/s: 300 ms would be 37,500 bytes, less than one 64 KiB super-packet the burst lets in.
    assertThat(Home.tbf(1_000, 300)).endsWith("limit", "65536");
    // 100 Mbit/s: the burst grows with the rate (20 ms of it), the queue too.
    assertThat(Home.tbf(100_000, 300))
        .containsExactly("rate", "100000kbit", "burst", "250000", "limit", "3750000");
  }

  @Test
  void withoutASizedQueueTheLinkKeepsTheLabsFiftyMilliseconds() {
    assertThat(Home.tbf(8_000, 0))
        .containsExactly("rate", "8000kbit", "burst", "65536", "latency", "50ms");
    assertThatThrownBy(() -> Home.tbf(0, 300)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aWindowTakesTheDatagramsSentInIt_lostOnesCountedApart() {
    List<String> log =
        List.of(
            "R 999.0 50.0", // before the window
            "R 1000.0 1.0",
            "L 1010.0",
            "R 1020.0 3.0",
            "R 1030.0 2.0",
            "R 103", // cut short when the probe was killed
            "L 1040.0",
            "R 2000.0 500.0"); // the window's end is not in it
    DelayProbe.Window w = DelayProbe.window(log, 1000, 2000);
    assertThat(w.rttMs()).containsExactly(1.0, 3.0, 2.0);
    assertThat(w.lost()).isEqualTo(2);
    assertThat(w.loss()).isCloseTo(0.4, within(1e-9));
    assertThat(w.median()).isEqualTo(2.0);
  }

  @Test
  void addedDelayIsTheNinetyFifthPercentileOverTheIdleMedian() {
    List<String> idle = new ArrayList<>();
    List<String> busy = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      idle.add("R " + i + " " + (i % 2 == 0 ? "0.2" : "0.4")); // median 0.2
      busy.add("R " + (1000 + i) + " " + i + ".0"); // 1 to 100 ms: nearest-rank p95 is 95
    }
    DelayProbe.Window idleWindow = DelayProbe.window(idle, 0, 1000);
    DelayProbe.Window busyWindow = DelayProbe.window(busy, 1000, 2000);
    assertThat(idleWindow.median()).isEqualTo(0.2);
    assertThat(busyWindow.percentile(0.95)).isEqualTo(95.0);
    assertThat(busyWindow.addedDelayP95(idleWindow)).isCloseTo(94.8, within(1e-9));
    assertThat(DelayProbe.window(busy, 0, 10).percentile(0.95)).isNaN();
  }
}
