package dev.shoal.swarm;

/**
 * A token bucket in bytes. Rate 0 means unlimited. The balance may go negative (an origin fetch
 * takes a whole piece up front); the debt is then paid off before anything else may pass, which
 * keeps the long-run average honest.
 */
final class TokenBucket {
  private volatile long rate;
  private long tokens;
  private long lastNanos = System.nanoTime();

  TokenBucket(long rate) {
    setRate(rate);
  }

  void setRate(long bytesPerSecond) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("rate must be >= 0");
    }
    this.rate = bytesPerSecond;
    this.tokens = Math.min(tokens, burst());
  }

  long rate() {
    return rate;
  }

  /**
   * Burst of 50 ms but at least two blocks. A capped download asks for whole blocks at the engine's
   * ticks: the bucket must hold a block plus what accrues until the next tick, or a slow cap loses
   * the tokens of every late tick (a 300 KB/s cap ran 10 % under with room for one block only).
   */
  private long burst() {
    return Math.max(rate / 20, 2 * (16 * 1024 + 13));
  }

  void refill(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    lastNanos = nowNanos;
    if (rate == 0) {
      return;
    }
    tokens = Math.min(burst(), tokens + rate * elapsed / 1_000_000_000L);
  }

  /** Bytes that may pass now; Long.MAX_VALUE when unlimited. */
  long available() {
    return rate == 0 ? Long.MAX_VALUE : Math.max(0, tokens);
  }

  /** More was taken than the rate allowed so far; the debt is paid off before anything passes. */
  boolean inDebt() {
    return rate != 0 && tokens < 0;
  }

  void consume(long bytes) {
    if (rate != 0) {
      tokens -= bytes;
    }
  }
}
