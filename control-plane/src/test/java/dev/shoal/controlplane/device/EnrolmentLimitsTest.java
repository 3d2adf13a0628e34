package dev.shoal.controlplane.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.controlplane.refusal.Refusal;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EnrolmentLimitsTest {

  private final AtomicLong now = new AtomicLong();
  private final EnrolmentLimits limits =
      new EnrolmentLimits(3, Duration.ofMinutes(3), now::get); // one more each minute

  @Test
  void aSourceGetsItsBudgetPerOrganisationThenWaitsForTheRefill() {
    for (int i = 0; i < 3; i++) {
      limits.take("203.0.113.7", "studio");
    }
    assertThatThrownBy(() -> limits.take("203.0.113.7", "studio"))
        .isInstanceOfSatisfying(
            Refusal.class,
            r -> {
              assertThat(r.kind()).isEqualTo(Refusal.Kind.TOO_MANY_REQUESTS);
              assertThat(r.retryAfter()).hasValue(Duration.ofSeconds(60));
            });
    assertThatCode(() -> limits.take("203.0.113.7", "rival")).doesNotThrowAnyException();
    assertThatCode(() -> limits.take("203.0.113.8", "studio")).doesNotThrowAnyException();

    now.addAndGet(Duration.ofSeconds(61).toNanos());
    assertThatCode(() -> limits.take("203.0.113.7", "studio")).doesNotThrowAnyException();
    assertThatThrownBy(() -> limits.take("203.0.113.7", "studio")).isInstanceOf(Refusal.class);
  }

  @Test
  void ipv6SourcesCountPerSlash64() {
    for (int i = 1; i <= 3; i++) {
      limits.take("2001:db8:1:2::" + i, "studio");
    }
    assertThatThrownBy(() -> limits.take("2001:db8:1:2:ffff::9", "studio"))
        .isInstanceOf(Refusal.class);
    assertThatCode(() -> limits.take("2001:db8:1:3::1", "studio")).doesNotThrowAnyException();
  }

  @Test
  void zeroMeansNoLimit() {
    EnrolmentLimits off = new EnrolmentLimits(0, Duration.ofMinutes(1), now::get);
    for (int i = 0; i < 1000; i++) {
      off.take("203.0.113.7", "studio");
    }
  }
}
