package dev.shoal.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.agent.RunningAgent;
import dev.shoal.agent.RunningAgentTest;
import dev.shoal.agent.bandwidth.BandwidthSettings;
import dev.shoal.agent.consent.ConsentScope;
import dev.shoal.agent.install.InstallStatus.State;
import dev.shoal.agent.json.Json;
import dev.shoal.agent.localapi.LocalApiFile;
import dev.shoal.agent.transfer.PackSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The CLI, in-process, against a real running agent. */
class ShoalAgentTest extends RunningAgentTest {

  record Result(int exit, String out, String err) {}

  Result cliWithInput(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] full = new String[args.length + 2];
    full[0] = "--data-dir";
    full[1] = a.dataDir.toString();
    System.arraycopy(args, 0, full, 2, args.length);
    int exit =
        ShoalAgent.execute(
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            full);
    return new Result(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  Result cli(String... args) {
    return cliWithInput("", args);
  }

  @Test
  void statusPrintsTheSameFactsAsThePage() {
    Result r = cli("status");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .contains(
            "Sharing: off because no upload consent",
            "Downloading from other players: off",
            "Uploaded to other players",
            "Monthly upload allowance: 20.0 GB, 20.0 GB left",
            "Cache: nothing cached yet",
            "upload to players not asked yet",
            "0 players",
            "Port mapping: none (port mapping is off (--port-mapping=off))");
  }

  @Test
  void cacheAndStatusNameCachedPacksByGameAndVersionAlsoAfterARestart() throws Exception {
    String hex = "5f".repeat(20) + ".pack";
    Files.writeString(a.dataDir.resolve("cache").resolve(hex), "x".repeat(3_000));
    a.agent
        .transfers()
        .remember(
            new PackSource(hex, new byte[] {1}, List.of(), "http://tracker/announce", null, null),
            "demo 1.0.1 (version 2), update from version 1");
    for (int run = 1; run <= 2; run++) {
      Result cache = cli("cache");
      assertThat(cache.exit()).as(cache.err()).isZero();
      assertThat(cache.out())
          .contains("3.0 kB  demo 1.0.1 (version 2), update from version 1")
          .doesNotContain(hex);
      assertThat(cli("status").out())
          .contains("  demo 1.0.1 (version 2), update from version 1 (3.0 kB)")
          .doesNotContain(hex);
      if (run == 1) {
        a.close(); // the label is kept with the pack's seeding state, not only in memory
        a = new RunningAgent(a.dataDir);
      }
    }
  }

  @Test
  void statusShowsTheLatestRunOfEachInstallWithVersionAndTime() {
    Instant at = Instant.parse("2026-12-07T15:20:00Z");
    a.agent
        .status()
        .setInstalls(
            () ->
                List.of(
                    RunningAgent.installStatus(
                        "1", "/games/demo", State.FAILED, null, null, at.minusSeconds(60)),
                    RunningAgent.installStatus(
                        "2", "/games/demo", State.COMPLETED, 1L, "1.0.0", at),
                    RunningAgent.installStatus(
                        "3", "/games/demo", State.COMPLETED, 1L, "1.0.0", at.plusSeconds(60)),
                    RunningAgent.installStatus(
                        "4", "/games/other", State.COMPLETED, 1L, "1.0.0", at)));
    String out = cli("status").out();
    assertThat(out)
        .contains("Installs and updates:")
        .contains("demo 1.0.0 (version 1) on live: completed ")
        .contains(", in /games/demo", ", in /games/other")
        .doesNotContain("failed", "not entitled");
    // One line per game directory: the latest run, with its time.
    assertThat(out.lines().filter(l -> l.contains("in /games/demo"))).hasSize(1);
    assertThat(out)
        .contains(
            DateTimeFormatter.ofPattern("d MMM yyyy HH:mm", Locale.ENGLISH)
                .format(at.plusSeconds(60).atZone(ZoneId.systemDefault())));
  }

  @Test
  void runRefusesUnknownPortMappingAndHolePunchValues() {
    Result mapping = cli("run", "--port-mapping", "sometimes");
    assertThat(mapping.exit()).isEqualTo(2);
    assertThat(mapping.err()).contains("port mapping must be off or auto");
    Result punch = cli("run", "--hole-punch", "maybe");
    assertThat(punch.exit()).isEqualTo(2);
    assertThat(punch.err()).contains("--hole-punch must be off or on");
    Result utp = cli("run", "--utp", "maybe");
    assertThat(utp.exit()).isEqualTo(2);
    assertThat(utp.err()).contains("--utp must be off or on");
  }

  @Test
  void statusJsonIsTheApiDocument() {
    Result r = cli("status", "--json");
    assertThat(r.exit()).isZero();
    JsonNode node = Json.MAPPER.readTree(r.out());
    assertThat(node.path("sharing").path("uploading").asBoolean()).isFalse();
    assertThat(node.path("deviceId").asString()).isEqualTo(a.agent.identity().deviceId());
  }

  @Test
  void statusLinkPrintsAOneTimeUrl() {
    Result r = cli("status", "--link");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("http://127.0.0.1:" + a.api.port() + "/?session=");
  }

  @Test
  void grantShowsTheTextAndWithdrawStopsSharing() {
    Result grant = cli("consent", "grant", "--scope", "upload", "--locale", "fr", "--yes");
    assertThat(grant.exit()).as(grant.err()).isZero();
    assertThat(grant.out()).contains("adresse IP", "20 Go par mois");
    assertThat(a.agent.consent().isGranted(ConsentScope.UPLOAD_TO_PEERS)).isTrue();
    assertThat(a.agent.consent().current(ConsentScope.UPLOAD_TO_PEERS).orElseThrow().askedWhere())
        .hasToString("CLI");
    assertThat(cli("consent", "show").out()).contains("upload: yes").contains("fr");

    Result withdraw = cli("consent", "withdraw", "--scope", "upload");
    assertThat(withdraw.exit()).isZero();
    // Withdrawing "upload" stops sending to other players, not receiving from them.
    assertThat(withdraw.out())
        .contains("uploading to other players is now off")
        .doesNotContain("from other players");
    assertThat(a.agent.consent().isGranted(ConsentScope.UPLOAD_TO_PEERS)).isFalse();
    assertThat(cli("consent", "show").out()).contains("upload: no");
  }

  @Test
  void grantAsksAndOnlyAnExplicitYesCounts() {
    Result no = cliWithInput("n\n", "consent", "grant", "--scope", "download", "--locale", "en");
    assertThat(no.exit()).isZero();
    assertThat(no.out()).contains("Do you agree?", "Nothing changed");
    assertThat(a.agent.consent().isGranted(ConsentScope.DOWNLOAD_FROM_PEERS)).isFalse();

    Result yes = cliWithInput("yes\n", "consent", "grant", "--scope", "download", "--locale", "en");
    assertThat(yes.exit()).isZero();
    assertThat(a.agent.consent().isGranted(ConsentScope.DOWNLOAD_FROM_PEERS)).isTrue();

    Result withdraw = cli("consent", "withdraw", "--scope", "download");
    assertThat(withdraw.out()).contains("downloading from other players is now off");
    assertThat(a.agent.consent().isGranted(ConsentScope.DOWNLOAD_FROM_PEERS)).isFalse();
  }

  @Test
  void limitsSetChangesOnlyWhatIsGiven() {
    Result r =
        cli(
            "limits",
            "set",
            "--up",
            "2MB",
            "--hours",
            "01:00-07:00",
            "--metered",
            "true",
            "--monthly",
            "50GB");
    assertThat(r.exit()).as(r.err()).isZero();
    BandwidthSettings s = a.agent.policy().settings();
    assertThat(s.uploadCapBytesPerSecond()).isEqualTo(2_000_000);
    assertThat(s.monthlyUploadAllowanceBytes()).isEqualTo(50_000_000_000L);
    assertThat(s.uploadHours().asText()).isEqualTo("01:00-07:00");
    assertThat(s.metered()).isTrue();
    assertThat(s.quietModeDownloadCapBytesPerSecond()).isEqualTo(1_000_000);
    assertThat(cli("limits", "show").out())
        .contains(
            "upload cap:        2.0 MB/s",
            "upload hours:      01:00\u201307:00",
            "metered:           yes");
    cli("limits", "set", "--hours", "any");
    assertThat(a.agent.policy().settings().uploadHours()).isNull();
  }

  @Test
  void pauseResumeAndQuiet() {
    assertThat(cli("pause").exit()).isZero();
    assertThat(a.agent.policy().paused()).isTrue();
    Result resume = cli("resume");
    assertThat(resume.exit()).isZero();
    assertThat(resume.out()).contains("still off because no upload consent");
    assertThat(a.agent.policy().paused()).isFalse();
    assertThat(cli("quiet", "on").exit()).isZero();
    assertThat(a.agent.policy().quietMode()).isTrue();
    assertThat(cli("quiet", "maybe").exit()).isEqualTo(2);
  }

  @Test
  void usageErrorsExitWith2() {
    assertThat(cli("consent", "grant", "--scope", "everything").exit()).isEqualTo(2);
    assertThat(cli("frobnicate").exit()).isEqualTo(2);
    assertThat(cli("limits", "set", "--up", "lots").exit()).isEqualTo(2);
    assertThat(cli().exit()).isEqualTo(2);
  }

  @Test
  void secondAgentOnTheSameDataDirIsRefusedWith4() {
    Result r = cli("run");
    assertThat(r.exit()).isEqualTo(4);
    assertThat(r.err()).contains("already running");
  }

  @Test
  void noAgentExitsWith3() throws Exception {
    LocalApiFile published = a.api;
    a.close();
    assertThat(cli("status").exit()).isEqualTo(3);
    // A stale file left by a crashed agent: nobody listens on that port any more.
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    Files.writeString(
        a.dataDir.resolve("local-api.json"),
        Json.MAPPER.writeValueAsString(
            new LocalApiFile(deadPort, published.token(), published.pid())));
    Result stale = cli("pause");
    assertThat(stale.exit()).isEqualTo(3);
    assertThat(stale.err()).contains("not running");
    a = new RunningAgent(tmp.resolve("data"));
  }

  @Test
  void runServesUntilInterrupted() throws Exception {
    Path other = tmp.resolve("other");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread runner =
        new Thread(
            () ->
                ShoalAgent.execute(
                    new ByteArrayInputStream(new byte[0]),
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    System.err,
                    "--data-dir",
                    other.toString(),
                    "run"));
    runner.start();
    Path apiFile = other.resolve("local-api.json");
    await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(apiFile));
    // The agent publishes its API file before the command prints: wait for the lines too.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(out.toString(StandardCharsets.UTF_8))
                    .contains("Shoal agent running", "Local API: http://127.0.0.1:"));
    ByteArrayOutputStream statusOut = new ByteArrayOutputStream();
    int exit =
        ShoalAgent.execute(
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(statusOut, true, StandardCharsets.UTF_8),
            System.err,
            "--data-dir",
            other.toString(),
            "status");
    assertThat(exit).isZero();
    assertThat(statusOut.toString(StandardCharsets.UTF_8)).contains("Sharing: off");
    runner.interrupt();
    runner.join(Duration.ofSeconds(10).toMillis());
    assertThat(runner.isAlive()).isFalse();
    assertThat(apiFile).doesNotExist();
  }
}
