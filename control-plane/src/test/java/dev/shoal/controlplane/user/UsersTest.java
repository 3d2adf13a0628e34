package dev.shoal.controlplane.user;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.support.OrganisationTest;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Response;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

class UsersTest extends OrganisationTest {

  @Autowired JdbcClient jdbc;

  @Test
  void anAdminCreatesAUserWhoCanSignInWithThatRoleInTheSameOrganisation() {
    String username = org.organisation().slug() + "-new@example.test";
    Response created =
        http.post(
            "/api/v1/users",
            admin,
            ApiClient.json(
                "username", username, "password", "a long password", "role", "RELEASE_MANAGER"));
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.body()).doesNotContain("a long password").doesNotContain("password");

    JsonNode me = http.get("/api/v1/me", http.signIn(username, "a long password")).json();

    assertThat(me.get("kind").asString()).isEqualTo("USER");
    assertThat(me.get("role").asString()).isEqualTo("RELEASE_MANAGER");
    assertThat(me.get("organisation").get("id").asString())
        .isEqualTo(org.organisation().id().toString());
    assertThat(
            http.get("/api/v1/users", admin).json().findValues("username").stream()
                .map(JsonNode::asString))
        .contains(username);
  }

  @Test
  void onlyABcryptHashOfThePasswordIsStored() {
    String username = org.organisation().slug() + "-hash@example.test";
    http.post(
        "/api/v1/users",
        admin,
        ApiClient.json("username", username, "password", "a long password", "role", "VIEWER"));

    String hash =
        jdbc.sql("select password_hash from users where username = ?")
            .param(username)
            .query(String.class)
            .single();

    assertThat(hash).startsWith("{bcrypt}$2").doesNotContain("a long password");
  }

  @Test
  void takenUsernamesAre409AndShortPasswords400() {
    String taken = org.usernames().get(Role.VIEWER).toUpperCase();
    Response duplicate =
        http.post(
            "/api/v1/users",
            admin,
            ApiClient.json("username", taken, "password", "a long password", "role", "VIEWER"));
    Response shortPassword =
        http.post(
            "/api/v1/users",
            admin,
            ApiClient.json("username", "x@example.test", "password", "short", "role", "VIEWER"));

    assertThat(duplicate.status()).isEqualTo(409);
    assertThat(shortPassword.status()).isEqualTo(400);
    assertThat(shortPassword.json().get("errors").findValues("field").get(0).asString())
        .isEqualTo("password");
  }
}
