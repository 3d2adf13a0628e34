package dev.shoal.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.controlplane.apikey.ApiKeys;
import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.organisation.Organisations;
import dev.shoal.controlplane.support.RunningApp;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.ApiClient.Credentials;
import dev.shoal.testsupport.SharedPostgres;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class ShoalPropertiesTest {

  private static final String DATABASE = SharedPostgres.newDatabaseUrl();

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "shoal.embedded-database.port | 70000 | must be less than or equal to 65535",
        "shoal.public-base-url | ftp://files.example | must be an absolute http:// or https:// URL",
        "shoal.bootstrap.admin-password | short | must be empty (generate one) or 12 to 128",
        "shoal.bootstrap.organisation | Not A Slug | must be a lower-case slug",
        "shoal.master-key | c2hvcnQ= | must be 32 bytes in standard base64",
        "shoal.release.delta-from | 99 | must be less than or equal to 16",
        "shoal.origin.seeder-port | -1 | must be greater than or equal to 0",
      })
  void aBadValueStopsStartUpWithAMessageNamingIt(
      String property, String value, String reason, CapturedOutput output) {
    assertThatThrownBy(
            () -> RunningApp.start(Map.of("spring.datasource.url", DATABASE, property, value)))
        .isNotNull();

    // Boot's failure report names the property in its camelCase form (shoal.embeddedDatabase.port).
    assertThat(output.getOut())
        .contains("APPLICATION FAILED TO START")
        .contains("Binding to target " + ShoalProperties.class.getName() + " failed")
        .contains("Value: \"" + value + "\"")
        .contains("Reason: " + reason);
    assertThat(output.getOut().toLowerCase().replace("-", ""))
        .contains("property: " + property.replace("-", "").toLowerCase());
  }

  @Test
  void prometheusCanBeRestrictedToAdmins() {
    try (RunningApp app =
        RunningApp.start(
            Map.of(
                "spring.datasource.url",
                SharedPostgres.newDatabaseUrl(),
                "shoal.ops.prometheus-public",
                false))) {
      UUID organisation = app.bean(Organisations.class).findBySlug("default").orElseThrow().id();
      ApiKeys keys = app.bean(ApiKeys.class);
      ApiClient http = app.http();

      assertThat(scrape(http, Credentials.NONE)).isEqualTo(401);
      assertThat(scrape(http, key(keys, organisation, Role.VIEWER))).isEqualTo(403);
      assertThat(scrape(http, key(keys, organisation, Role.ADMIN))).isEqualTo(200);
    }
  }

  private static int scrape(ApiClient http, Credentials credentials) {
    return http.send(
            credentials
                .apply(http.request("/actuator/prometheus").header("Accept", "text/plain"))
                .build())
        .status();
  }

  private static Credentials key(ApiKeys keys, UUID organisation, Role role) {
    return Credentials.apiKey(keys.issue(organisation, role, "ops", null).token());
  }
}
