package dev.shoal.agent.localapi;

import static dev.shoal.agent.install.InstallStatus.State.COMPLETED;
import static dev.shoal.agent.install.InstallStatus.State.FAILED;
import static dev.shoal.agent.localapi.LocalApiServerTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.RunningAgent;
import dev.shoal.agent.RunningAgentTest;
import dev.shoal.agent.consent.AskedWhere;
import dev.shoal.agent.consent.ConsentScope;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The status page and its session-cookie sign-in, driven the way a browser would. */
class StatusPageTest extends RunningAgentTest {
  String origin;

  @BeforeEach
  void origin() {
    origin = "http://127.0.0.1:" + a.api.port();
  }

  @Test
  void withoutASessionThePageExplainsHowToOpenItAndShowsNothingPrivate() throws Exception {
    HttpResponse<String> r = a.send(HttpRequest.newBuilder(a.uri("/")).build());
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.body()).contains("shoal-agent status --open").doesNotContain("Uploaded");
    assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("default-src 'none'");
  }

  @Test
  void oneTimeCodeBecomesAnHttpOnlyStrictCookieAndCannotBeReused() throws Exception {
    String code = newCode();
    HttpResponse<String> r = browser("/?session=" + code);
    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location")).hasValue("/");
    String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie)
        .startsWith("shoal_session_" + a.api.port() + "=")
        .contains("HttpOnly", "SameSite=Strict", "Path=/");
    assertThat(browser("/?session=" + code).statusCode()).isEqualTo(401);
    assertThat(browser("/?session=forged").statusCode()).isEqualTo(401);
  }

  @Test
  void pageRendersTheFactsWithoutEmbeddingTheToken() throws Exception {
    String cookie = signIn();
    HttpResponse<String> page = withCookie(HttpRequest.newBuilder(a.uri("/")), cookie);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains(
            "Sharing is off",
            "no upload consent",
            "Nothing cached yet",
            "Downloaded from other players",
            "Uploaded to other players",
            "20.0 GB",
            "How to uninstall",
            "connected to 0 players",
            "id=\"pause\"")
        .doesNotContain(a.api.token())
        .doesNotContain("src=\"http", "href=\"http");
    String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
    Matcher nonce = Pattern.compile("'nonce-([^']+)'").matcher(csp);
    assertThat(nonce.find()).isTrue();
    assertThat(page.body()).contains("<script nonce=\"" + nonce.group(1) + "\">");
  }

  @Test
  void cacheEntriesAreListed() throws Exception {
    Files.writeString(tmp.resolve("data/cache/space-game-1.2.pack"), "x".repeat(2_000));
    HttpResponse<String> page = withCookie(HttpRequest.newBuilder(a.uri("/")), signIn());
    assertThat(page.body())
        .contains("space-game-1.2.pack (2.0 kB)")
        .doesNotContain("Nothing cached");
  }

  @Test
  void uninstallSaysWhatIsTrueOnEverySystem() throws Exception {
    String page = withCookie(HttpRequest.newBuilder(a.uri("/")), signIn()).body();
    // There is no Windows installer, hence no entry under Settings, Apps to point players to.
    assertThat(page)
        .doesNotContain("Settings, Apps, Shoal")
        .contains("Run <code>shoal-agent uninstall</code>", "no Windows or macOS installer yet")
        .contains(tmp.resolve("data").toString());
  }

  @Test
  void installsShowTheLatestRunOfEachGameWithVersionAndTime() throws Exception {
    java.time.Instant at = java.time.Instant.parse("2026-12-07T15:20:00Z");
    a.agent
        .status()
        .setInstalls(
            () ->
                java.util.List.of(
                    RunningAgent.installStatus("1", "/g/demo", FAILED, null, null, at),
                    RunningAgent.installStatus("2", "/g/demo", COMPLETED, 1L, "1.0.0", at),
                    RunningAgent.installStatus("3", "/g/demo", COMPLETED, 2L, "1.0.1", at)));
    String page = withCookie(HttpRequest.newBuilder(a.uri("/")), signIn()).body();
    assertThat(page)
        .contains("demo 1.0.1 (version 2) on live: completed 7 Dec 2026")
        .doesNotContain("not entitled", "failed", "1.0.0");
  }

  @Test
  void pauseButtonWorksWithTheCookieAndFailsWithout() throws Exception {
    String cookie = signIn();
    String[] button =
        button(withCookie(HttpRequest.newBuilder(a.uri("/")), cookie).body(), "pause");

    assertProblem(press(button, null, origin), 401, "UNAUTHORIZED");
    assertProblem(press(button, cookie, null), 403, "FORBIDDEN_ORIGIN");
    assertProblem(press(button, cookie, "https://evil.example"), 403, "FORBIDDEN_ORIGIN");
    assertThat(a.agent.policy().paused()).isFalse();

    assertThat(press(button, cookie, origin).statusCode()).isEqualTo(200);
    assertThat(a.agent.policy().paused()).isTrue();
    String after = withCookie(HttpRequest.newBuilder(a.uri("/")), cookie).body();
    assertThat(after).contains("id=\"resume\"", "sharing paused by you");
  }

  @Test
  void withdrawButtonWithdrawsUploadConsent() throws Exception {
    var ledger = a.agent.consent();
    String sha =
        ledger
            .texts()
            .render(ConsentScope.UPLOAD_TO_PEERS, "en", a.agent.policy().settings())
            .sha256();
    ledger.grant(ConsentScope.UPLOAD_TO_PEERS, sha, AskedWhere.INSTALLER);
    String cookie = signIn();
    String page = withCookie(HttpRequest.newBuilder(a.uri("/")), cookie).body();
    assertThat(page).contains("Sharing is on");
    String[] button = button(page, "withdraw-upload");

    assertThat(press(button, null, origin).statusCode()).isEqualTo(401);
    assertThat(ledger.isGranted(ConsentScope.UPLOAD_TO_PEERS)).isTrue();
    assertThat(press(button, cookie, origin).statusCode()).isEqualTo(200);
    assertThat(ledger.isGranted(ConsentScope.UPLOAD_TO_PEERS)).isFalse();
    assertThat(a.agent.policy().evaluate().uploadAllowed()).isFalse();
  }

  @Test
  void aBrowserSessionCannotMintNewSessions() throws Exception {
    String cookie = signIn();
    HttpResponse<String> r =
        withCookie(
            HttpRequest.newBuilder(a.uri("/v1/session"))
                .header("Origin", origin)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")),
            cookie);
    assertThat(r.statusCode()).isEqualTo(401);
  }

  private String newCode() throws Exception {
    HttpResponse<String> r = a.sendJson("POST", "/v1/session", "{}");
    assertThat(r.statusCode()).isEqualTo(201);
    String url = RunningAgent.json(r).path("url").asString();
    assertThat(url).startsWith(origin + "/?session=");
    return RunningAgent.json(r).path("code").asString();
  }

  private String signIn() throws Exception {
    String setCookie =
        browser("/?session=" + newCode()).headers().firstValue("Set-Cookie").orElseThrow();
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  private HttpResponse<String> browser(String path) throws Exception {
    return a.send(HttpRequest.newBuilder(a.uri(path)).build());
  }

  private HttpResponse<String> withCookie(HttpRequest.Builder b, String cookie) throws Exception {
    return a.send(b.header("Cookie", cookie).build());
  }

  /** Reads a button's target and body from the page, as its script would. */
  private static String[] button(String html, String id) {
    Matcher m =
        Pattern.compile("id=\"" + id + "\" data-path=\"([^\"]+)\" data-body=\"([^\"]+)\"")
            .matcher(html);
    assertThat(m.find()).as("button " + id).isTrue();
    return new String[] {m.group(1), m.group(2).replace("&quot;", "\"")};
  }

  private HttpResponse<String> press(String[] button, String cookie, String originHeader)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(a.uri(button[0]))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(button[1]));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    if (originHeader != null) {
      b.header("Origin", originHeader);
    }
    return a.send(b.build());
  }
}
