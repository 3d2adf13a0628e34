package dev.shoal.controlplane.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.support.ApiTest;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.Response;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** Nobody fills an organisation's device list: enrolments per source address are limited. */
@TestPropertySource(properties = "shoal.device.enrolment-limit=3")
class EnrolmentLimitApiTest extends ApiTest {

  @Test
  void theFourthEnrolmentFromOneAddressIsRefusedWith429AndRetryAfter() {
    String studio = organisations.create().organisation().slug();
    String rival = organisations.create().organisation().slug();
    String base = "http://localhost:" + port;
    for (int i = 0; i < 3; i++) {
      assertThat(Device.create(base).enrol(studio).status()).isEqualTo(201);
    }
    Response refused = Device.create(base).enrol(studio);
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.contentType()).startsWith("application/problem+json");
    assertThat(refused.json().get("detail").asString()).contains("Too many enrolments");
    assertThat(refused.headers().firstValue("Retry-After"))
        .hasValueSatisfying(s -> assertThat(Long.parseLong(s)).isBetween(1L, 600L));
    assertThat(Device.create(base).enrol(rival).status())
        .as("another organisation's budget")
        .isEqualTo(201);
  }
}
