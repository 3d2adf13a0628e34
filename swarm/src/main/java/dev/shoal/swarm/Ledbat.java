package dev.shoal.swarm;

/**
 * LEDBAT congestion control (RFC 6817) with the changes of LEDBAT++ (draft-irtf-iccrg-ledbat-plus-
 * plus) for one uTP connection: the window grows while the one-way queueing delay the peer measures
 * for our packets stays under {@link #TARGET_MICROS}, and shrinks when it is above, so uploads give
 * way to the player's own traffic (a game, a call) before the home router's queue fills. From
 * LEDBAT++: a slow start that ends once the queue reaches 3/4 of the target (plain LEDBAT grows a
 * packet per round trip, over a minute to fill a fast path), a gain that slows growth on short
 * paths (where round trips come fast), and a multiplicative decrease (plain LEDBAT sheds at most a
 * packet per round trip, so behind a foreground flow that has filled a 300 ms queue it takes tens
 * of seconds to give way). Times are passed in, so it can be driven with synthetic clocks.
 */
final class Ledbat {
  /** Target queueing delay: BEP 29 and RFC 6817 allow at most 100 and 60 ms; we stay below. */
  static final long TARGET_MICROS = 50_000;

  /** The base delay is the smallest delay seen over this many one-minute buckets. */
  static final int BASE_HISTORY_MINUTES = 2;

  private static final long MINUTE_NANOS = 60_000_000_000L;

  /** Recent samples whose minimum is the current delay: one late packet is not a queue. */
  private static final int CURRENT_FILTER = 4;

  /** How far past the bytes in flight the window may grow (RFC 6817 ALLOWED_INCREASE). */
  private static final int ALLOWED_INCREASE = 1;

  private static final int MIN_PACKETS = 2;

  private static final int INIT_PACKETS = 4;

  /** LEDBAT++'s gain is 1 / min(this, ceil(2 * target / base delay)). */
  private static final int MAX_GAIN_DIVISOR = 16;

  final int mss;
  final int maxWindow;
  private double cwnd;

  /** Per minute bucket: the minimum delay sample (as unsigned 32-bit micros), or -1 if none. */
  private final long[] baseBuckets = new long[BASE_HISTORY_MINUTES];

  private long bucketStart = Long.MIN_VALUE;
  private final long[] current = new long[CURRENT_FILTER];
  private int currentCount;
  private long lastQueueingMicros;
  private boolean slowStart = true;

  /**
   * After a timeout, the window doubles per round trip back up to this, half what the path held
   * before, as TCP does (RFC 5681); 0 when not recovering. Grown at LEDBAT's rate instead, a window
   * on a short path took minutes to come back from one packet (a sixteenth of a packet per round
   * trip), and a peer stalled by its scheduler for half a second times out all its senders.
   */
  private double recoverTo;

  /** The window before the timeout being recovered from, restored if it proves spurious. */
  private double windowBeforeTimeout;

  private boolean slowStartBeforeTimeout;

  /**
   * A timeout's window is saved and not yet restored, recovered or lost to a real loss. It outlives
   * a recovery that a queue ended: the proof that the timeout was spurious can come after that.
   */
  private boolean undoable;

  /** Smallest round trip seen: LEDBAT's one-way base delay is offset by the clocks, this is not. */
  private long minRttMicros = Long.MAX_VALUE;

  Ledbat(int mss, int maxWindow) {
    this.mss = mss;
    this.maxWindow = maxWindow;
    this.cwnd = INIT_PACKETS * mss;
    java.util.Arrays.fill(baseBuckets, -1);
  }

  /** The congestion window in bytes. */
  int window() {
    return (int) cwnd;
  }

  /** The queueing delay measured at the last ack, in microseconds. */
  long queueingMicros() {
    return lastQueueingMicros;
  }

  /**
   * {@code acked} bytes were acknowledged by a packet whose timestamp_difference was {@code
   * delayMicros} (one-way delay plus the clocks' offset, 32 bits unsigned); {@code inFlight} bytes
   * were in flight before it.
   */
  void onAck(int acked, long delayMicros, long inFlight, long nowNanos) {
    long delay = delayMicros & 0xFFFFFFFFL;
    long base = updateBase(delay, nowNanos);
    current[currentCount++ % CURRENT_FILTER] = delay;
    long now = Long.MAX_VALUE;
    for (int i = 0; i < Math.min(currentCount, CURRENT_FILTER); i++) {
      now = Math.min(now, current[i]);
    }
    // Unsigned 32-bit difference: the peer's clock is not ours, only differences mean anything.
    long queueing = (int) (now - base);
    queueing = Math.max(0, queueing);
    lastQueueingMicros = queueing;
    double gain = gain();
    if (slowStart && queueing > TARGET_MICROS * 3 / 4) {
      slowStart = false;
    }
    if (recoverTo > 0 && queueing > TARGET_MICROS * 3 / 4) {
      recoverTo = 0; // the queue shows: LEDBAT's rules from here
    }
    if (recoverTo > 0) {
      cwnd = Math.min(recoverTo, cwnd + acked);
      if (cwnd >= recoverTo) {
        recoverTo = 0;
        undoable = false;
      }
    } else if (slowStart) {
      cwnd += gain * acked;
    } else if (queueing <= TARGET_MICROS) {
      // Over a window's worth of acks the gains add up to gain * mss: at most a packet per RTT.
      cwnd += gain * mss * acked / cwnd;
    } else {
      // Over a window of acks: gain packets less the window times how far the queue is over the
      // target, never more than half the window.
      double over = (queueing - TARGET_MICROS) / (double) TARGET_MICROS;
      double perWindow = Math.max(gain * mss - cwnd * over, -cwnd / 2);
      cwnd += perWindow * acked / cwnd;
    }
    cwnd = Math.min(cwnd, inFlight + (double) ALLOWED_INCREASE * mss);
    cwnd = Math.max(MIN_PACKETS * mss, Math.min(cwnd, maxWindow));
  }

  /** A round trip measured on a packet sent once. */
  void onRtt(long micros) {
    if (micros > 0) {
      minRttMicros = Math.min(minRttMicros, micros);
    }
  }

  /** Still in slow start: no queue of 3/4 the target, no loss, no timeout yet. */
  boolean inSlowStart() {
    return slowStart;
  }

  /** A packet was lost (duplicate acks or a hole in the selective acks): half the window. */
  void onLoss() {
    slowStart = false;
    recoverTo = 0;
    undoable = false;
    cwnd = Math.max(MIN_PACKETS * mss, cwnd / 2);
  }

  /**
   * The retransmission timer fired: one packet, as TCP does, then doubling back up to half the
   * window before. Timeouts in a row keep the window of the first.
   */
  void onTimeout() {
    if (!undoable) {
      windowBeforeTimeout = cwnd;
      slowStartBeforeTimeout = slowStart;
      undoable = true;
    }
    recoverTo = Math.max(MIN_PACKETS * mss, windowBeforeTimeout / 2);
    slowStart = false;
    cwnd = mss;
  }

  /**
   * What the last timeout gave up for lost arrived after all (a first copy was acknowledged): the
   * path was fine, the peer or we were not scheduled in time. The window goes back to what it was.
   */
  void undoTimeout() {
    if (!undoable) {
      return;
    }
    undoable = false;
    cwnd = Math.max(cwnd, windowBeforeTimeout);
    slowStart = slowStartBeforeTimeout;
    recoverTo = 0;
  }

  /** Doubling back up after a timeout. */
  boolean recovering() {
    return recoverTo > 0;
  }

  /**
   * 1 on paths of twice the target or longer, down to 1/16 on short ones: on a LAN-like path round
   * trips come so fast that a packet per round trip would overrun the target before the queue
   * shows.
   */
  private double gain() {
    if (minRttMicros == Long.MAX_VALUE) {
      return 1.0 / MAX_GAIN_DIVISOR;
    }
    long divisor = (2 * TARGET_MICROS + minRttMicros - 1) / minRttMicros;
    return 1.0 / Math.max(1, Math.min(MAX_GAIN_DIVISOR, divisor));
  }

  private long updateBase(long delay, long nowNanos) {
    if (bucketStart == Long.MIN_VALUE) {
      bucketStart = nowNanos;
    }
    while (nowNanos - bucketStart >= MINUTE_NANOS) {
      // A new minute: the oldest bucket is forgotten, so a route change upwards is learned
      // within two minutes instead of reading as a standing queue forever.
      System.arraycopy(baseBuckets, 0, baseBuckets, 1, BASE_HISTORY_MINUTES - 1);
      baseBuckets[0] = -1;
      bucketStart += MINUTE_NANOS;
      if (nowNanos - bucketStart >= BASE_HISTORY_MINUTES * MINUTE_NANOS) {
        bucketStart = nowNanos;
      }
    }
    if (baseBuckets[0] < 0 || (int) (delay - baseBuckets[0]) < 0) {
      baseBuckets[0] = delay;
    }
    long base = -1;
    for (long b : baseBuckets) {
      if (b >= 0 && (base < 0 || (int) (b - base) < 0)) {
        base = b;
      }
    }
    return base;
  }
}
