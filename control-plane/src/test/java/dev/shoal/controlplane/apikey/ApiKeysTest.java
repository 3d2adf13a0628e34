package dev.shoal.controlplane.apikey;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.support.OrganisationTest;
import dev.shoal.controlplane.support.TestOrganisations;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.ApiClient.Credentials;
import dev.shoal.testsupport.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

class ApiKeysTest extends OrganisationTest {

  @Autowired JdbcClient jdbc;

  private JsonNode createKey(String name, String role) {
    Response created =
        http.post("/api/v1/api-keys", admin, ApiClient.json("name", name, "role", role));
    assertThat(created.status()).isEqualTo(201);
    return created.json();
  }

  @Test
  void aNewKeyWorksAtOnceAndActsWithItsRoleInItsOrganisation() {
    String token = createKey("ci", "RELEASE_MANAGER").get("token").asString();

    JsonNode me = http.get("/api/v1/me", Credentials.apiKey(token)).json();

    assertThat(me.get("kind").asString()).isEqualTo("API_KEY");
    assertThat(me.get("name").asString()).isEqualTo("ci");
    assertThat(me.get("role").asString()).isEqualTo("RELEASE_MANAGER");
    assertThat(me.get("organisation").get("slug").asString()).isEqualTo(org.organisation().slug());
  }

  @Test
  void theSecretIsShownOnceAndStoredOnlyAsItsSha256() throws Exception {
    JsonNode created = createKey("ci", "VIEWER");
    String token = created.get("token").asString();
    String secret = token.substring("shoal_".length() + 12 + 1);
    assertThat(token).startsWith("shoal_" + created.get("prefix").asString() + "_");
    assertThat(secret).hasSize(43);

    String listed = http.get("/api/v1/api-keys", admin).body();
    assertThat(listed).contains(created.get("id").asString()).doesNotContain(secret);

    Map<String, Object> row =
        jdbc.sql("select * from api_keys where id = ?")
            .param(UUID.fromString(created.get("id").asString()))
            .query()
            .singleRow();
    assertThat(row.values().stream().map(String::valueOf)).noneMatch(v -> v.contains(secret));
    byte[] expected =
        MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII));
    assertThat((byte[]) row.get("secret_sha256")).isEqualTo(expected);
  }

  @Test
  void aRevokedKeyGets401OnItsVeryNextRequest() {
    JsonNode created = createKey("leaked", "ADMIN");
    Credentials leaked = Credentials.apiKey(created.get("token").asString());
    assertThat(http.get("/api/v1/me", leaked).status()).isEqualTo(200);

    Response revoke =
        http.send("DELETE", "/api/v1/api-keys/" + created.get("id").asString(), admin, null, null);

    assertThat(revoke.status()).isEqualTo(204);
    Response after = http.get("/api/v1/me", leaked);
    assertThat(after.status()).isEqualTo(401);
    assertThat(after.json().get("detail").asString()).isEqualTo("Invalid or revoked API key");
    JsonNode listed = http.get("/api/v1/api-keys", admin).json();
    assertThat(listed.findValues("name").stream().map(JsonNode::asString)).contains("leaked");
    for (JsonNode key : listed) {
      if (key.get("name").asString().equals("leaked")) {
        assertThat(key.get("revokedAt").isNull()).isFalse();
      }
    }
  }

  @Test
  void usingAKeyRecordsWhenItWasLastUsed() {
    JsonNode created = createKey("ci", "VIEWER");
    UUID id = UUID.fromString(created.get("id").asString());
    assertThat(lastUsed(id)).isNull();

    http.get("/api/v1/products", Credentials.apiKey(created.get("token").asString()));

    assertThat(lastUsed(id)).isNotNull();
  }

  @Test
  void wrongSecretsAndMalformedTokensGet401() {
    String token = createKey("ci", "VIEWER").get("token").asString();
    String wrongSecret = token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A");

    for (String bad : new String[] {wrongSecret, "shoal_nope", "not-a-key", token + "x"}) {
      Response response = http.get("/api/v1/me", Credentials.apiKey(bad));
      assertThat(response.status()).as(bad).isEqualTo(401);
      assertThat(response.contentType()).startsWith("application/problem+json");
    }
  }

  @Test
  void aBadKeyIsRejectedEvenWithAValidSessionCookie() {
    ApiClient.Session session =
        http.signIn(org.usernames().get(Role.ADMIN), TestOrganisations.PASSWORD);
    Response response =
        http.send(
            http.request("/api/v1/me")
                .header("Cookie", "JSESSIONID=" + session.sessionId())
                .header("Authorization", "Bearer shoal_000000000000_" + "A".repeat(43))
                .build());
    assertThat(response.status()).isEqualTo(401);
  }

  @Test
  void keyRequestsAreStatelessAndNeedNoCsrfToken() {
    Response created =
        http.post(
            "/api/v1/products", admin, ApiClient.json("slug", "stateless", "name", "Stateless"));

    assertThat(created.status()).isEqualTo(201);
    assertThat(created.setCookies()).noneMatch(c -> c.startsWith("JSESSIONID"));
  }

  @Test
  void revokingAnUnknownKeyIs404() {
    Response response =
        http.send("DELETE", "/api/v1/api-keys/" + UUID.randomUUID(), admin, null, null);
    assertThat(response.status()).isEqualTo(404);
  }

  private Object lastUsed(UUID id) {
    return jdbc.sql("select last_used_at from api_keys where id = ?")
        .param(id)
        .query((rs, row) -> rs.getObject(1))
        .list()
        .get(0);
  }
}
