package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/** Only announces, and only Spring Security's observations of them, are skipped. */
class TrackerObservationsTest {

  private final ObservationPredicate predicate =
      new TrackerObservations().noSecurityObservationsOfAnnounces();

  @AfterEach
  void reset() {
    RequestContextHolder.resetRequestAttributes();
  }

  private boolean observed(String name, String path) {
    RequestContextHolder.setRequestAttributes(
        new ServletRequestAttributes(new MockHttpServletRequest("GET", path)));
    return predicate.test(name, new Observation.Context());
  }

  @Test
  void securityObservationsOfAnnouncesAreSkipped() {
    assertThat(observed("spring.security.filterchains", "/" + "ab".repeat(20) + "/announce"))
        .isFalse();
    assertThat(observed("spring.security.filterchains", "/announce")).isFalse();
    assertThat(observed("spring.security.authorizations", "/announce")).isFalse();
  }

  @Test
  void everythingElseIsObserved() {
    assertThat(observed("http.server.requests", "/announce")).isTrue();
    assertThat(observed("spring.security.filterchains", "/api/v1/announce")).isTrue();
    assertThat(observed("spring.security.filterchains", "/a/b/announce")).isTrue();
    assertThat(observed("spring.security.filterchains", "/announcement")).isTrue();
    assertThat(observed("spring.security.filterchains", "//announce")).isTrue();
    RequestContextHolder.resetRequestAttributes();
    assertThat(predicate.test("spring.security.filterchains", new Observation.Context())).isTrue();
  }
}
