package dev.shoal.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The controller alone, on synthetic one-way delays and clocks. */
class LedbatTest {
  private static final int MSS = 1352;
  private static final long MS = 1_000_000L;

  private static final long CLOCKS_APART = 7_000_000L; // the peer's clock is 7 s off ours

  /**
   * Acks a whole window {@code rounds} times with the given one-way delay (micros), the sender
   * keeping its window full.
   */
  private static void rounds(Ledbat l, int rounds, long delayMicros, long[] clock) {
    for (int r = 0; r < rounds; r++) {
      int w = l.window();
      for (int acked = 0; acked < w; acked += MSS) {
        clock[0] += MS;
        l.onAck(MSS, delayMicros, l.window(), clock[0]);
      }
    }
  }

  /** A controller on a path of {@code rttMicros}, out of slow start, with a window of ~64 KiB. */
  private static Ledbat afterSlowStart(long rttMicros, long[] clock) {
    Ledbat l = new Ledbat(MSS, 1 << 20);
    l.onRtt(rttMicros);
    rounds(l, 1, CLOCKS_APART, clock);
    while (l.window() < 64 * 1024) {
      rounds(l, 1, CLOCKS_APART, clock);
    }
    rounds(l, 1, CLOCKS_APART + Ledbat.TARGET_MICROS * 4 / 5, clock);
    assertThat(l.inSlowStart()).isFalse();
    return l;
  }

  @Test
  void slowStartDoublesPerRoundTripUntilTheQueueReachesThreeQuartersOfTheTarget() {
    Ledbat l = new Ledbat(MSS, 1 << 20);
    long[] clock = {0};
    l.onRtt(100_000); // a 100 ms path: LEDBAT++'s full gain
    rounds(l, 1, CLOCKS_APART, clock);
    int before = l.window();
    rounds(l, 5, CLOCKS_APART, clock);
    assertThat(l.inSlowStart()).isTrue();
    assertThat(l.window()).isGreaterThanOrEqualTo(16 * before);
    rounds(l, 1, CLOCKS_APART + Ledbat.TARGET_MICROS * 4 / 5, clock);
    assertThat(l.inSlowStart()).isFalse();
  }

  @Test
  void afterSlowStartGrowsAtMostOnePacketPerRoundTripBelowTarget() {
    long[] clock = {0};
    Ledbat l = afterSlowStart(100_000, clock);
    int before = l.window();
    rounds(l, 10, CLOCKS_APART, clock);
    assertThat(l.window()).isGreaterThan(before).isLessThanOrEqualTo(before + 10 * MSS);
  }

  @Test
  void onAShortPathGrowsBySixteenthsOfAPacket() {
    long[] clock = {0};
    Ledbat l = afterSlowStart(1_000, clock);
    int before = l.window();
    rounds(l, 16, CLOCKS_APART, clock);
    assertThat(l.window()).isGreaterThan(before).isLessThan(before + 2 * MSS);
  }

  @Test
  void aQueueOfTwiceTheTargetHalvesTheWindowEachRoundTrip() {
    long[] clock = {0};
    Ledbat l = afterSlowStart(100_000, clock);
    int grown = l.window();
    rounds(l, 3, CLOCKS_APART + 2 * Ledbat.TARGET_MICROS, clock);
    assertThat(l.queueingMicros()).isEqualTo(2 * Ledbat.TARGET_MICROS);
    // Plain LEDBAT would have shed three packets; LEDBAT++ gives way within round trips.
    assertThat(l.window()).isLessThanOrEqualTo(grown / 4);
  }

  @Test
  void aQueueJustOverTheTargetShrinksTheWindowGently() {
    long[] clock = {0};
    Ledbat l = afterSlowStart(100_000, clock);
    int grown = l.window();
    rounds(l, 1, CLOCKS_APART + Ledbat.TARGET_MICROS * 11 / 10, clock);
    assertThat(l.window()).isLessThan(grown).isGreaterThan(grown * 8 / 10);
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
    assertThat(l.inSlowStart()).isFalse();
    assertThat(l.window()).isEqualTo(w / 2);
    l.onTimeout();
    assertThat(l.window()).isEqualTo(MSS);
  }

  /**
   * On a short path LEDBAT grows a sixteenth of a packet per round trip: from one packet after a
   * timeout that took minutes. It doubles back to half the window instead, then LEDBAT rules.
   */
  @Test
  void afterATimeoutDoublesBackUpToHalfTheWindow() {
    long[] clock = {0};
    Ledbat l = afterSlowStart(1_000, clock);
    int before = l.window();
    l.onTimeout();
    assertThat(l.window()).isEqualTo(MSS);
    assertThat(l.recovering()).isTrue();
    rounds(l, 7, CLOCKS_APART, clock);
    assertThat(l.recovering()).isFalse();
    assertThat(l.window()).isBetween(before / 2, before / 2 + 2 * MSS);
  }

  @Test
  void aQueueEndsTheRecoveryAfterATimeout() {
    long[] clock = {0};
    Ledbat l = afterSlowStart(1_000, clock);
    int before = l.window();
    l.onTimeout();
    rounds(l, 1, CLOCKS_APART, clock);
    rounds(l, 7, CLOCKS_APART + Ledbat.TARGET_MICROS, clock);
    assertThat(l.recovering()).isFalse();
    // The recovery aimed at half the window; the queue (seen through the 4-sample filter) ended it.
    assertThat(l.window()).isLessThan(before / 4);
    l.undoTimeout(); // proof of a spurious timeout, later still: the window is given back
    assertThat(l.window()).isEqualTo(before);
  }

  @Test
  void aSpuriousTimeoutIsUndone() {
    long[] clock = {0};
    Ledbat l = afterSlowStart(1_000, clock);
    int before = l.window();
    l.onTimeout();
    l.onTimeout(); // twice in a row: the window to go back to is the first one's
    l.undoTimeout();
    assertThat(l.window()).isEqualTo(before);
    assertThat(l.recovering()).isFalse();
    assertThat(l.inSlowStart()).isFalse();
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
