package dev.shoal.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.sdk.examples.TerminalLauncher;
import dev.shoal.testkit.AgentFixture;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example launcher (sdk/examples) as a newcomer runs it, against a real control plane and
 * agent: consent asked once with the standard texts, enrolment, install with a progress bar, a fake
 * game in quiet mode; run again after a new release, it updates through a delta.
 */
class ExampleLauncherTest {
  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  @TempDir Path temp;

  private static String run(String stdin, String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int code = TerminalLauncher.run(args, new BufferedReader(new StringReader(stdin)), out);
    String text = bytes.toString(StandardCharsets.UTF_8);
    System.out.println(text); // in target/surefire-reports/*-output.txt
    assertThat(code).as(text).isZero();
    return text;
  }

  @Test
  void consentsEnrolsInstallsPlaysInQuietModeThenUpdates() throws Exception {
    String apiKey =
        controlPlane.createApiKey(controlPlane.createOrganisation("example"), Role.ADMIN);
    Publisher studio = Publisher.of(controlPlane.baseUrl(), apiKey).product("demo", "live");
    Map<String, byte[]> v1 = GameBuilds.build(1, 2_000_000);
    studio.publish("demo", "live", v1, "1.0.0");
    Path dir = temp.resolve("Games/demo");
    try (AgentFixture agent = AgentFixture.start(temp.resolve("agent"));
        ShoalClient observer = ShoalClient.connect(agent.dataDir())) {
      String[] args = {
        "--control-plane",
        controlPlane.baseUrl(),
        "--organisation",
        studio.organisation(),
        "--product",
        "demo",
        "--channel",
        "live",
        "--dir",
        dir.toString(),
        "--data-dir",
        agent.dataDir().toString(),
        "--grant-with-api-key",
        apiKey,
        "--game-seconds",
        "2",
        "--once"
      };
      List<AgentStatus> statuses = new CopyOnWriteArrayList<>();
      Subscription sub = observer.subscribe(statuses::add);
      ConsentText download =
          observer.consentText(ConsentScope.DOWNLOAD_FROM_PEERS, Locale.getDefault());
      ConsentText upload = observer.consentText(ConsentScope.UPLOAD_TO_PEERS, Locale.getDefault());

      // First run: yes to downloading from players, no to uploading.
      String first = run("yes\nno\n", args);
      assertThat(first)
          .contains(download.text(), upload.text())
          .contains("Enrolled with")
          .contains("granted demo")
          // Granted before the first install: no failure shown to a player who did nothing wrong
          .doesNotContain("not entitled", "FAILED", "ENTITLEMENT")
          .doesNotContain("keeps running") // it did not start the agent
          .contains("] 100% 2.0 MB / 2.0 MB full  COMPLETED") // the bar (DOWNLOADING is brief)
          .contains("Installed demo 1.0.0 (version 1)", "full pack")
          .contains("Quiet mode is on", "Game over. Quiet mode is off.");
      assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(v1);
      assertThat(observer.consent().downloadFromPeers().granted()).isTrue();
      assertThat(observer.consent().uploadToPeers().granted()).isFalse();
      assertThat(observer.consent().uploadToPeers().asked()).isTrue();
      assertThat(observer.enrolment().organisation()).isEqualTo(studio.organisation());
      // ... nor left on the agent's status page.
      assertThat(observer.status().installs())
          .isNotEmpty()
          .noneMatch(i -> i.state() == InstallState.FAILED);
      // The game ran in quiet mode, and only then.
      assertThat(statuses).anyMatch(AgentStatus::quietMode);
      assertThat(observer.status().quietMode()).isFalse();

      // A new release: the next start asks nothing and updates through a delta.
      Map<String, byte[]> v2 = new TreeMap<>(v1);
      v2.put("config/settings.ini", "volume=1\n".getBytes(StandardCharsets.UTF_8));
      studio.publish("demo", "live", v2, "1.0.1");
      String second = run("", args);
      assertThat(second)
          .doesNotContain(download.text())
          .doesNotContain(upload.text())
          .contains("is enrolled with")
          .contains("Installed demo 1.0.1 (version 2)", "delta pack");
      assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(v2);

      // Up to date: says so.
      assertThat(run("", args)).contains("Up to date: demo 1.0.1 (version 2)");
      // Granted once, not once per start.
      assertThat(
              studio
                  .api()
                  .get("/api/v1/products/demo/entitlements")
                  .json()
                  .valueStream()
                  .filter(e -> e.path("deviceId").asString().equals(agent.deviceId())))
          .hasSize(1);
      sub.close();
    }
  }

  /**
   * When the launcher started the agent, quitting leaves it running (it is the player's background
   * service) and says so, with a stop command that works.
   */
  @Test
  void quittingSaysTheAgentItStartedKeepsRunningAndHowToStopIt() throws Exception {
    String apiKey =
        controlPlane.createApiKey(controlPlane.createOrganisation("quitter"), Role.ADMIN);
    Publisher studio = Publisher.of(controlPlane.baseUrl(), apiKey).product("demo", "live");
    Path dataDir = temp.resolve("player");
    Path agentScript = AgentStandIn.install(temp.resolve("opt/bin"));
    try {
      // Nothing published yet: the install fails with NO_RELEASE, the player types q.
      String out =
          runWithExit(
              4,
              "no\nno\nq\n",
              "--control-plane",
              controlPlane.baseUrl(),
              "--organisation",
              studio.organisation(),
              "--dir",
              temp.resolve("Games/demo").toString(),
              "--data-dir",
              dataDir.toString(),
              "--agent",
              agentScript.toString(),
              "--grant-with-api-key",
              apiKey);
      String stop = agentScript + " --data-dir " + dataDir + " stop";
      assertThat(out)
          .contains("No release is published")
          .contains("keeps running in the background")
          .contains("To stop it: " + stop);
      assertThat(AgentStandIn.running(dataDir)).as("still running after q").isPresent();

      // The printed command does what it says.
      Process p =
          new ProcessBuilder("/bin/sh", "-c", stop)
              .redirectErrorStream(true)
              .redirectOutput(temp.resolve("stop.log").toFile())
              .start();
      assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(Files.readString(temp.resolve("stop.log"))).isZero();
      assertThat(Files.exists(dataDir.resolve("local-api.json"))).isFalse();
    } finally {
      AgentStandIn.running(dataDir).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  private static String runWithExit(int expected, String stdin, String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int code = TerminalLauncher.run(args, new BufferedReader(new StringReader(stdin)), out);
    String text = bytes.toString(StandardCharsets.UTF_8);
    System.out.println(text);
    assertThat(code).as(text).isEqualTo(expected);
    return text;
  }

  @Test
  void withoutAnAgentItSaysSo() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code =
        TerminalLauncher.run(
            new String[] {"--data-dir", temp.resolve("none").toString(), "--once"},
            new BufferedReader(new StringReader("")),
            new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(3);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("not available");
  }
}
