package dev.shoal.swarm;

/**
 * A token bucket in bytes. Rate 0 means unlimited. The balance may go negative (an origin fetch
 * takes a whole piece up front); the debt is then paid off before anything else may pass, which
 * keeps the long-run average honest. Synchronized: the origin's budget ({@link UploadBudget}) is
 * one bucket shared by the seeder's engine thread and the HTTP origin's threads; uncontended, the
 * locks cost the engine nothing measurable.
 */
final class TokenBucket {
  private volatile long rate;
  private long tokens;
  private long lastNanos = System.nanoTime();

  TokenBucket(long rate) {
    setRate(rate);
  }

  synchronized void setRate(long bytesPerSecond) {
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

  synchronized void refill(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed <= 0) {
      return; // another thread refilled later already
    }
    lastNanos = nowNanos;
    if (rate == 0) {
      return;
    }
    tokens = Math.min(burst(), tokens + rate * elapsed / 1_000_000_000L);
  }

  /** Bytes that may pass now; Long.MAX_VALUE when unlimited. */
  synchronized long available() {
    return rate == 0 ? Long.MAX_VALUE : Math.max(0, tokens);
  }

  /** More was taken than the rate allowed so far; the debt is paid off before anything passes. */
  synchronized boolean inDebt() {
    return rate != 0 && tokens < 0;
  }

  synchronized void consume(long bytes) {
    if (rate != 0) {
      tokens -= bytes;
    }
  }

  /**
   * Takes {@code bytes} if the bucket holds them (or, for more than a burst, if it is full); else
   * returns the nanoseconds to wait before trying again. 0 = taken.
   */
  synchronized long tryTake(long bytes, long nowNanos) {
    refill(nowNanos);
    if (rate == 0) {
      return 0;
    }
    long need = Math.min(bytes, burst());
    if (tokens >= need) {
      tokens -= bytes;
      return 0;
    }
    return Math.max(100_000L, (need - tokens) * 1_000_000_000L / rate);
  }
}
