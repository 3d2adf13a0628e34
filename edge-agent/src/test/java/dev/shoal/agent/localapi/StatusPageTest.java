package dev.shoal.agent.localapi;

import static dev.shoal.agent.install.InstallStatus.State.COMPLETED;
import static dev.shoal.agent.install.InstallStatus.State.FAILED;
import static dev.shoal.agent.localapi.LocalApiServerTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.agent.RunningAgent;
import dev.shoal.agent.RunningAgentTest;
import dev.shoal.agent.consent.AskedWhere;
import dev.shoal.agent.consent.ConsentScope;
import dev.shoal.agent.status.AgentStatus;
import dev.shoal.agent.status.StatusReporter;
import dev.shoal.agent.transfer.PackSource;
import dev.shoal.swarm.Swarm;
import dev.shoal.swarm.SwarmConfig;
import dev.shoal.swarm.TorrentJob;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Loopback;
import dev.shoal.testsupport.Torrents;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

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

  /**
   * The agent (uTP on) seeds to two real engines that dial it: one speaks uTP, one only TCP. The
   * page and {@code /v1/status} name each one's transport. The leechers are capped so that both are
   * still connected when the test looks (peers part once both sides are seeds).
   */
  @Test
  void connectedPlayersAreListedWithTheirTransport() throws Exception {
    a.close();
    a =
        new RunningAgent(
            tmp.resolve("data"), loopback().listenPort(Loopback.freePort()).build(), true);
    origin();
    grantUpload();
    Path pack = GameBuilds.randomFile(tmp.resolve("publisher"), "pack-1.pak", 4 << 20, 5);
    byte[] torrent = Torrents.of(pack, 256 * 1024, null);
    Files.copy(pack, a.agent.dataDir().cacheDir().resolve("pack-1.pak"));
    a.agent
        .transfers()
        .seed(new PackSource("pack-1.pak", torrent, null, null, List.of(), null))
        .awaitCompletion(Duration.ofSeconds(30));
    InetSocketAddress agent = Loopback.address(a.agent.transfers().listenPort());
    try (Swarm overUtp = Swarm.start(loopback().utp(true).uploadEnabled(false).build());
        Swarm overTcp = Swarm.start(loopback().utp(false).uploadEnabled(false).build())) {
      leech(overUtp, torrent, tmp.resolve("utp/pack-1.pak"), agent);
      leech(overTcp, torrent, tmp.resolve("tcp/pack-1.pak"), agent);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> transports(RunningAgent.json(a.get("/v1/status"))).size() == 2);
      JsonNode status = RunningAgent.json(a.get("/v1/status"));
      assertThat(status.path("connections").path("total").asInt()).isEqualTo(2);
      assertThat(transports(status)).containsExactlyInAnyOrder("utp", "tcp");
      String page = withCookie(HttpRequest.newBuilder(a.uri("/")), signIn()).body();
      String row =
          "<tr><td>127\\.0\\.0\\.1:\\d+</td><td>%s</td><td>the other player</td><td>internet</td>";
      assertThat(page)
          .containsPattern(String.format(row, "uTP"))
          .containsPattern(String.format(row, "TCP"));
      assertThat(page).doesNotContain("more, less busy");
    }
  }

  /**
   * A busy seeder's hundreds of peers: the 50 busiest are listed, escaped, and the rest counted.
   */
  @Test
  void thePeerTableIsCappedAndEscaped() throws Exception {
    List<AgentStatus.Connection> many = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      many.add(
          new AgentStatus.Connection(
              "192.0.2." + i + ":6881", "tcp", i % 2 == 0, false, i * 1000L, 0));
    }
    many.add(new AgentStatus.Connection("<b>x</b>:1", "<i>quic</i>", true, true, 1 << 20, 0));
    a.agent.status().setConnections(() -> many);
    String page = withCookie(HttpRequest.newBuilder(a.uri("/")), signIn()).body();
    assertThat(page)
        .contains(
            "&lt;b&gt;x&lt;/b&gt;:1</td><td>&lt;i&gt;quic&lt;/i&gt;</td><td>this computer</td><td>LAN</td>")
        .contains("192.0.2.59:6881", "192.0.2.11:6881", "and 11 more, less busy.")
        .doesNotContain("<b>x", "192.0.2.10:6881");
    assertThat(page.indexOf("192.0.2.59:")).isLessThan(page.indexOf("192.0.2.58:"));
    JsonNode connections = RunningAgent.json(a.get("/v1/status")).path("connections");
    assertThat(connections.path("total").asInt()).isEqualTo(61);
    assertThat(connections.path("busiest").size()).isEqualTo(StatusReporter.MAX_CONNECTIONS);
  }

  private static SwarmConfig.Builder loopback() {
    return SwarmConfig.builder().bindAddress("127.0.0.1");
  }

  private void grantUpload() {
    var ledger = a.agent.consent();
    String sha =
        ledger
            .texts()
            .render(ConsentScope.UPLOAD_TO_PEERS, "en", a.agent.policy().settings())
            .sha256();
    ledger.grant(ConsentScope.UPLOAD_TO_PEERS, sha, AskedWhere.INSTALLER);
  }

  private static void leech(Swarm s, byte[] torrent, Path out, InetSocketAddress agent)
      throws Exception {
    s.add(
        TorrentJob.builder(torrent, out)
            .announceUrl("")
            .peers(List.of(agent))
            .downCap(200_000)
            .build());
  }

  private static List<String> transports(JsonNode status) {
    List<String> list = new ArrayList<>();
    for (JsonNode c : status.path("connections").path("busiest").values()) {
      list.add(c.path("transport").asString());
    }
    return list;
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
    grantUpload();
    String cookie = signIn();
    String page = withCookie(HttpRequest.newBuilder(a.uri("/")), cookie).body();
    assertThat(page).contains("Sharing is on");
    String[] button = button(page, "withdraw-upload");

    assertThat(press(button, null, origin).statusCode()).isEqualTo(401);
    assertThat(a.agent.consent().isGranted(ConsentScope.UPLOAD_TO_PEERS)).isTrue();
    assertThat(press(button, cookie, origin).statusCode()).isEqualTo(200);
    assertThat(a.agent.consent().isGranted(ConsentScope.UPLOAD_TO_PEERS)).isFalse();
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
