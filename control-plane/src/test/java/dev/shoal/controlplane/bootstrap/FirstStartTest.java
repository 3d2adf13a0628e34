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

  @Test
  void anApiKeyFromTheConfigurationPublishesWithoutABrowserAndIsStoredAsAHash(
      CapturedOutput output) {
    String database = SharedPostgres.newDatabaseUrl();
    String key = "shoal_0123456789ab_" + "a".repeat(20) + "-B_c" + "9".repeat(19);
    Map<String, String> settings =
        Map.of("spring.datasource.url", database, "shoal.bootstrap.api-key", key);
    String issued;
    try (RunningApp app = RunningApp.start(settings)) {
      ApiClient ci = ApiClient.withApiKey("http://localhost:" + app.port(), key);
      JsonNode me = ci.get("/api/v1/me").json();
      assertThat(me.get("role").asString()).isEqualTo("ADMIN");
      assertThat(me.get("organisation").get("slug").asString()).isEqualTo("default");
      // What a CI bootstrap job does next: a product, and a narrower key for the pipeline.
      ci.post("/api/v1/products", Map.of("slug", "demo", "name", "Demo")).assertSuccess();
      issued =
          ci.post("/api/v1/api-keys", Map.of("name", "ci", "role", "RELEASE_MANAGER"))
              .assertSuccess()
              .json()
              .get("token")
              .asString();
      assertThat(output.getOut()).contains("SHOAL_BOOTSTRAP_API_KEY").doesNotContain(key);
      byte[] stored =
          app.bean(JdbcClient.class)
              .sql("select secret_sha256 from api_keys where prefix = '0123456789ab'")
              .query(byte[].class)
              .single();
      assertThat(stored).hasSize(32);
      ci.delete("/api/v1/api-keys/" + keyId(ci, "bootstrap")).assertSuccess();
    }
    // A restart neither duplicates the key nor brings a revoked one back.
    try (RunningApp app = RunningApp.start(settings)) {
      String url = "http://localhost:" + app.port();
      assertThat(ApiClient.withApiKey(url, key).get("/api/v1/me").status()).isEqualTo(401);
      assertThat(ApiClient.withApiKey(url, issued).get("/api/v1/me").status()).isEqualTo(200);
      assertThat(
              app.bean(JdbcClient.class)
                  .sql("select count(*) from api_keys where name = 'bootstrap'")
                  .query(Long.class)
                  .single())
          .isEqualTo(1);
    }
  }

  private static String keyId(ApiClient client, String name) {
    for (JsonNode key : client.get("/api/v1/api-keys").json()) {
      if (key.get("name").asString().equals(name)) {
        return key.get("id").asString();
      }
    }
    throw new AssertionError("no key " + name);
  }
}
