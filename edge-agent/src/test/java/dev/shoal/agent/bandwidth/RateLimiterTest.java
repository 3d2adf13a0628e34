package dev.shoal.agent.bandwidth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.bandwidth.RateLimiter.Grant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  @Test
  void grantsTheBurstThenAsksToWait() {
    RateLimiter l = new RateLimiter(1_000_000, nanos::get); // burst 250 kB
    assertThat(l.tryAcquire(1_000_000).bytes()).isEqualTo(250_000);
    Grant g = l.tryAcquire(100_000);
    assertThat(g.bytes()).isZero();
    // 16 KiB minimum grant at 1 MB/s is 16.384 ms.
    assertThat(g.waitNanos()).isEqualTo(16_384_000);
    nanos.addAndGet(g.waitNanos());
    assertThat(l.tryAcquire(100_000).bytes()).isEqualTo(16_384);
  }

  @Test
  void longRunRateMatchesTheConfiguredRate() {
    RateLimiter l = new RateLimiter(2_000_000, nanos::get);
    assertThat(l.tryAcquire(Long.MAX_VALUE).bytes()).isEqualTo(500_000); // the initial burst
    long start = nanos.get();
    long total = 0;
    while (nanos.get() - start < 10_000_000_000L) {
      Grant g = l.tryAcquire(64 * 1024);
      total += g.bytes();
      nanos.addAndGet(g.bytes() > 0 ? 1_000 : g.waitNanos());
    }
    assertThat(total).isBetween(19_900_000L, 20_100_000L);
  }

  @Test
  void unlimitedGrantsEverythingAtOnce() {
    RateLimiter l = new RateLimiter(0, nanos::get);
    assertThat(l.tryAcquire(123_456_789)).isEqualTo(new Grant(123_456_789, 0));
  }

  @Test
  void rateChangesApplyImmediatelyAndShrinkTheBurst() {
    RateLimiter l = new RateLimiter(4_000_000, nanos::get); // burst 1 MB
    l.setRate(100_000); // burst shrinks to a quarter second: 25 kB
    assertThat(l.tryAcquire(1_000_000).bytes()).isEqualTo(25_000);
    l.setRate(0);
    assertThat(l.tryAcquire(5).bytes()).isEqualTo(5);
  }

  @Test
  void smallRequestsAreServedWithoutWaitingForAFullChunk() {
    RateLimiter l = new RateLimiter(100_000, nanos::get);
    l.tryAcquire(16_384);
    nanos.addAndGet(10_000_000); // 10 ms = 1000 bytes
    assertThat(l.tryAcquire(500).bytes()).isEqualTo(500);
  }
}
