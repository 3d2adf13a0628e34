package dev.shoal.agent.bandwidth;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Token bucket in bytes. {@link #tryAcquire} never blocks, so NIO selector loops can use it: it
 * grants what the bucket holds (up to what was asked) or says how long to wait. Rate 0 means
 * unlimited. The rate can change at any time (policy changes, quiet mode).
 *
 * <p>swarm/ exposes no rate limiter yet, hence this one; if the swarm engine grows its own, keep
 * one.
 */
public final class RateLimiter {
  /** {@code bytes} granted now (possibly 0); if 0, retry after {@code waitNanos}. */
  public record Grant(long bytes, long waitNanos) {}

  // Grants smaller than this are held back (unless less was asked) so writes are not byte-sized.
  private static final long MIN_GRANT = 16 * 1024;
  private static final long MIN_BURST = 16 * 1024;

  private final LongSupplier nanoTime;
  private long rate;
  private long burst;
  private double tokens;
  private long lastRefill;

  public RateLimiter(long bytesPerSecond) {
    this(bytesPerSecond, System::nanoTime);
  }

  RateLimiter(long bytesPerSecond, LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.lastRefill = nanoTime.getAsLong();
    applyRate(bytesPerSecond);
    this.tokens = burst;
  }

  public synchronized long rate() {
    return rate;
  }

  public synchronized void setRate(long bytesPerSecond) {
    refill();
    applyRate(bytesPerSecond);
    tokens = Math.min(tokens, burst);
  }

  public synchronized Grant tryAcquire(long wanted) {
    if (wanted <= 0) {
      throw new IllegalArgumentException("wanted must be positive");
    }
    if (rate == 0) {
      return new Grant(wanted, 0);
    }
    refill();
    long threshold = Math.min(wanted, Math.min(MIN_GRANT, burst));
    if (tokens >= threshold) {
      long granted = Math.min(wanted, (long) tokens);
      tokens -= granted;
      return new Grant(granted, 0);
    }
    double missing = threshold - tokens;
    return new Grant(0, Math.max(1, (long) Math.ceil(missing * 1e9 / rate)));
  }

  /** Blocking form for plain streams (origin downloads): waits until some bytes are granted. */
  public long acquire(long wanted) {
    while (true) {
      Grant g = tryAcquire(wanted);
      if (g.bytes() > 0) {
        return g.bytes();
      }
      LockSupport.parkNanos(g.waitNanos());
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        return 0;
      }
    }
  }

  private void applyRate(long bytesPerSecond) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("rate must be 0 (unlimited) or positive");
    }
    rate = bytesPerSecond;
    // A quarter second of traffic smooths scheduling jitter without a noticeable burst.
    burst = Math.max(MIN_BURST, bytesPerSecond / 4);
  }

  private void refill() {
    long now = nanoTime.getAsLong();
    long elapsed = now - lastRefill;
    lastRefill = now;
    if (rate > 0 && elapsed > 0) {
      tokens = Math.min(burst, tokens + elapsed * (double) rate / 1e9);
    }
  }
}
