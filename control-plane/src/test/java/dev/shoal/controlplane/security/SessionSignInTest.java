package dev.shoal.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.support.OrganisationTest;
import dev.shoal.controlplane.support.TestOrganisations;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Response;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The dashboard's way in: form sign-in, session cookie, CSRF token from the XSRF-TOKEN cookie. */
class SessionSignInTest extends OrganisationTest {

  @Test
  void theSignInPageFormWorksWithItsHiddenCsrfField() {
    Response page = http.send(http.request("/login").header("Accept", "text/html").build());
    Matcher csrf =
        Pattern.compile("name=\"_csrf\" type=\"hidden\" value=\"([^\"]+)\"").matcher(page.body());
    assertThat(csrf.find()).as(page.body()).isTrue();
    String form =
        "username="
            + URLEncoder.encode(org.usernames().get(Role.VIEWER), StandardCharsets.UTF_8)
            + "&password="
            + URLEncoder.encode(TestOrganisations.PASSWORD, StandardCharsets.UTF_8)
            + "&_csrf="
            + csrf.group(1);

    Response login =
        http.send(
            http.request("/login")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", "XSRF-TOKEN=" + page.cookie("XSRF-TOKEN").orElseThrow())
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build());

    assertThat(login.status()).isEqualTo(302);
    assertThat(login.headers().firstValue("Location").orElseThrow()).endsWith("/dashboard/");
    assertThat(login.cookie("JSESSIONID")).isPresent();
  }

  @Test
  void aWrongPasswordDoesNotSignIn() {
    Response page = http.send(http.request("/login").build());
    String xsrf = page.cookie("XSRF-TOKEN").orElseThrow();
    Response login =
        http.send(
            http.request("/login")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", "XSRF-TOKEN=" + xsrf)
                .header("X-XSRF-TOKEN", xsrf)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "username=" + org.usernames().get(Role.ADMIN) + "&password=wrong"))
                .build());

    assertThat(login.status()).isEqualTo(302);
    assertThat(login.headers().firstValue("Location").orElseThrow()).contains("/login?error");
    // The failure message is kept in a session, but that session is not signed in.
    String session = login.cookie("JSESSIONID").orElse("none");
    Response me =
        http.send(http.request("/api/v1/me").header("Cookie", "JSESSIONID=" + session).build());
    assertThat(me.status()).isEqualTo(401);
  }

  @Test
  void aSessionNeedsTheCsrfHeaderForUnsafeMethodsOnly() {
    ApiClient.Session session =
        http.signIn(org.usernames().get(Role.ADMIN), TestOrganisations.PASSWORD);
    String body = ApiClient.json("slug", "from-dashboard", "name", "Dashboard");

    Response forged = http.post("/api/v1/products", session.withoutCsrfHeader(), body);
    Response read = http.get("/api/v1/products", session.withoutCsrfHeader());
    Response real = http.post("/api/v1/products", session, body);

    assertThat(forged.status()).isEqualTo(403);
    assertThat(forged.json().get("detail").asString()).contains("CSRF");
    assertThat(read.status()).isEqualTo(200);
    assertThat(real.status()).isEqualTo(201);
  }

  @Test
  void pagesRedirectToSignInWhileTheApiAnswers401() {
    Response page = http.send(http.request("/some/page").header("Accept", "text/html").build());
    Response api = http.send(http.request("/api/v1/me").header("Accept", "text/html").build());

    assertThat(page.status()).isEqualTo(302);
    assertThat(page.headers().firstValue("Location").orElseThrow()).endsWith("/login");
    assertThat(api.status()).isEqualTo(401);
  }

  @Test
  void theRootLeadsToTheDashboardWithoutSigningIn() {
    Response root = http.send(http.request("/").header("Accept", "text/html").build());

    assertThat(root.status()).isEqualTo(302);
    assertThat(root.headers().firstValue("Location").orElseThrow()).endsWith("/dashboard/");
  }

  @Test
  void deviceAndTrackerPathsAreLeftToTheirOwnAuthentication() {
    // The tracker answers every announce with HTTP 200 and a bencoded failure reason.
    for (String path : new String[] {"/announce", "/abc123/announce"}) {
      Response response = http.send(http.request(path).build());
      assertThat(response.status()).as(path).isEqualTo(200);
      assertThat(response.body()).as(path).startsWith("d14:failure reason");
    }
    Response device = http.send(http.request("/api/v1/device/hello").build());
    assertThat(device.status()).isEqualTo(401);
    assertThat(device.json().get("detail").asString()).isEqualTo("Unknown or revoked device");
    assertThat(http.send(http.request("/origin/x").build()).status()).isEqualTo(404);
    Response post =
        http.send(
            http.request("/api/v1/device/hello").POST(HttpRequest.BodyPublishers.noBody()).build());
    assertThat(post.json().get("detail").asString())
        .as("no CSRF demanded of devices: their own signature check answers")
        .isEqualTo("Unknown or revoked device");
  }
}
