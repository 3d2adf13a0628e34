package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Expiry, eviction and the eviction/load race, on a clock the test moves. */
class TtlCacheTest {

  private long now = 1_000;
  private final AtomicInteger loads = new AtomicInteger();
  private final TtlCache<String, String> cache =
      new TtlCache<>(Duration.ofNanos(100), 3, () -> now);

  private String load(String key) {
    loads.incrementAndGet();
    return key.startsWith("absent") ? null : key.toUpperCase();
  }

  @Test
  void servesAnswersUntilTheirTtlThenLoadsAgain() {
    assertThat(cache.get("a", this::load)).isEqualTo("A");
    now += 99;
    assertThat(cache.get("a", this::load)).isEqualTo("A");
    assertThat(loads).hasValue(1);
    now += 1;
    assertThat(cache.get("a", this::load)).isEqualTo("A");
    assertThat(loads).hasValue(2);
  }

  @Test
  void absentAnswersAreNeverKept() {
    assertThat(cache.get("absent", this::load)).isNull();
    assertThat(cache.get("absent", this::load)).isNull();
    assertThat(loads).hasValue(2);
    assertThat(cache.size()).isZero();
  }

  @Test
  void invalidationDropsMatchingEntriesAtOnce() {
    cache.get("a", this::load);
    cache.get("b", this::load);
    cache.invalidateIf((key, value) -> value.equals("A"));
    cache.get("a", this::load);
    cache.get("b", this::load);
    assertThat(loads).as("a loaded again, b still cached").hasValue(3);
  }

  @Test
  void aLoadThatRacedWithAnInvalidationIsNotKept() {
    // The load reads the old value; the revocation commits and evicts before the load stores it.
    assertThat(
            cache.get(
                "a",
                k -> {
                  cache.invalidateIf((key, value) -> true);
                  return "stale";
                }))
        .isEqualTo("stale");
    assertThat(cache.get("a", this::load)).isEqualTo("A");
    assertThat(loads).hasValue(1);
  }

  @Test
  void aZeroTtlTurnsTheCacheOff() {
    TtlCache<String, String> off = new TtlCache<>(Duration.ZERO, 3, () -> now);
    off.get("a", this::load);
    off.get("a", this::load);
    assertThat(loads).hasValue(2);
    assertThat(off.size()).isZero();
  }

  @Test
  void staysWithinItsBound() {
    for (int i = 0; i < 10; i++) {
      cache.get("k" + i, this::load);
      assertThat(cache.size()).isLessThanOrEqualTo(3);
    }
  }
}
