package dev.shoal.controlplane.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.support.RunningApp;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.SharedPostgres;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

@ExtendWith(OutputCaptureExtension.class)
class FirstStartTest {

  @Test
  void theFirstStartCreatesAnAdminAndPrintsItsPasswordOnlyThen(CapturedOutput output) {
    String database = SharedPostgres.newDatabaseUrl();
    String password;
    try (RunningApp app = RunningApp.start(Map.of("spring.datasource.url", database))) {
      Matcher printed = Pattern.compile("    password: (\\S+)").matcher(output.getOut());
      assertThat(printed.find()).as(output.getOut()).isTrue();
      password = printed.group(1);
      assertThat(output.getOut())
          .contains("Shoal control plane is ready: http://localhost:" + app.port() + "/")
          .contains("username: admin");

      JsonNode me = app.http().get("/api/v1/me", app.http().signIn("admin", password)).json();
      assertThat(me.get("role").asString()).isEqualTo("ADMIN");
      assertThat(me.get("organisation").get("slug").asString()).isEqualTo("default");
      String hash =
          app.bean(JdbcClient.class)
              .sql("select password_hash from users")
              .query(String.class)
              .single();
      assertThat(hash).startsWith("{bcrypt}").doesNotContain(password);
    }
    // Only the stdout banner shows it: no log line does.
    assertThat(output.getOut().lines().filter(l -> l.contains(" INFO ") || l.contains(" WARN ")))
        .noneMatch(line -> line.contains(password));

    int before = output.getOut().length();
    try (RunningApp app = RunningApp.start(Map.of("spring.datasource.url", database))) {
      String second = output.getOut().substring(before);
      assertThat(second)
          .contains(
              "An admin user exists already; sign in at http://localhost:" + app.port() + "/login")
          .doesNotContain("password:");
      assertThat(
              app.bean(JdbcClient.class)
                  .sql("select count(*) from users")
                  .query(Long.class)
                  .single())
          .isEqualTo(1);
    }
  }

  @Test
  void theAdminCanBeNamedAndItsPasswordSetFromTheEnvironment(CapturedOutput output) {
    String password = "chosen-by-the-operator";
    try (RunningApp app =
        RunningApp.start(
            Map.of(
                "spring.datasource.url", SharedPostgres.newDatabaseUrl(),
                "SHOAL_ADMIN_PASSWORD", password,
                "shoal.bootstrap.organisation", "acme",
                "shoal.bootstrap.admin-username", "root",
                "shoal.public-base-url", "https://shoal.acme.example"))) {
      ApiClient.Session session = app.http().signIn("root", password);

      JsonNode me = app.http().get("/api/v1/me", session).json();
      assertThat(me.get("organisation").get("slug").asString()).isEqualTo("acme");
      assertThat(output.getOut())
          .contains("Shoal control plane is ready: https://shoal.acme.example/")
          .doesNotContain(password);
    }
  }
}
