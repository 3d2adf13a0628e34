package dev.shoal.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The controller alone, on synthetic one-way delays and clocks. */
class LedbatTest {
  private static final int MSS = 1352;
  private static final long MS = 1_000_000L;

  /** Acks a whole window {@code rounds} times with the given one-way delay (micros). */
  private static void rounds(Ledbat l, int rounds, long delayMicros, long[] clock) {
    for (int r = 0; r < rounds; r++) {
      int w = l.window();
      for (int acked = 0; acked < w; acked += MSS) {
        clock[0] += MS;
        l.onAck(MSS, delayMicros, w, clock[0]);
      }
    }
  }

  @Test
  void growsAtMostOnePacketPerRoundTripBelowTarget() {
    Ledbat l = new Ledbat(MSS, 1 << 20);
    long[] clock = {0};
    rounds(l, 1, 7_000_000L, clock); // base delay: clocks differ by 7 s, no queue
    int before = l.window();
    rounds(l, 10, 7_000_000L, clock);
    assertThat(l.window()).isGreaterThan(before).isLessThanOrEqualTo(before + 10 * MSS);
  }

  @Test
  void shrinksWhenQueueingDelayExceedsTarget() {
    Ledbat l = new Ledbat(MSS, 1 << 20);
    long[] clock = {0};
    rounds(l, 40, 7_000_000L, clock);
    int grown = l.window();
    rounds(l, 5, 7_000_000L + 2 * Ledbat.TARGET_MICROS, clock);
    assertThat(l.queueingMicros()).isEqualTo(2 * Ledbat.TARGET_MICROS);
    assertThat(l.window()).isLessThan(grown);
  }

  @Test
  void baseDelayIsForgottenAfterTwoMinutes() {
    Ledbat l = new Ledbat(MSS, 1 << 20);
    long[] clock = {0};
    rounds(l, 1, 1_000, clock);
    clock[0] += 150_000 * MS; // the route got longer: 80 ms more for good
    rounds(l, 1, 81_000, clock);
    assertThat(l.queueingMicros()).isZero();
  }

  @Test
  void lossHalvesAndTimeoutResetsToOnePacket() {
    Ledbat l = new Ledbat(MSS, 1 << 20);
    long[] clock = {0};
    rounds(l, 40, 5_000, clock);
    int w = l.window();
    l.onLoss();
    assertThat(l.window()).isEqualTo(w / 2);
    l.onTimeout();
    assertThat(l.window()).isEqualTo(MSS);
  }

  @Test
  void delaysAcrossTheClockWrapAreStillDifferences() {
    Ledbat l = new Ledbat(MSS, 1 << 20);
    long[] clock = {0};
    rounds(l, 1, 0xFFFF_FFF0L, clock); // just below the wrap
    rounds(l, 1, 0x0000_0010L + Ledbat.TARGET_MICROS, clock); // after it, 50 ms more
    assertThat(l.queueingMicros()).isEqualTo(Ledbat.TARGET_MICROS + 0x20);
  }
}
