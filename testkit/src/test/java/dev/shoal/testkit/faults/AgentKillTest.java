package dev.shoal.testkit.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.localapi.LocalApiFile;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testkit.LauncherFlags;
import dev.shoal.testkit.ProcessAgentApi;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The real agent, as its own process ({@code shoal-agent --data-dir D run}), is killed with SIGKILL
 * ({@code Process.destroyForcibly}) while it updates an installed v1 to v2 through its local API:
 * twice while downloading, three times while installing, each after a seeded random delay into that
 * phase (for the install step, a seeded fraction of its length as measured on the first install).
 * After every restart on the same data directory the install directory holds exactly v1 or exactly
 * v2 (every file bit for bit, nothing more), nothing is staged beside it, no journal is left and
 * the agent's record names the version on disk; a last, uninterrupted run installs v2.
 *
 * <p>The agent's download cap (a player setting, kept across restarts) is 2 MB/s so that the
 * download of the 6 MB update lasts a few seconds; its 30 files make the install step last long
 * enough to be hit.
 */
@Tag("slow") // 45 to 70 s here: seven agent JVMs, each started and killed
class AgentKillTest {
  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final long SEED = 20261130L;
  private static final List<String> FLAGS =
      List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

  @TempDir Path temp;
  private Process agent;
  private LocalApiFile api;

  /**
   * One kill: the phase it aimed at, the delay into it, the state last seen before it, and the
   * version on disk after the restart.
   */
  record Kill(String target, long delayMs, String lastSeen, int versionAfter) {}

  @Test
  void anAgentKilledAgainAndAgainDuringAnUpdateLeavesExactlyOneWholeVersion() throws Exception {
    Publisher studio = controlPlane.newPublisher("faults").product("game", "live");
    Map<String, byte[]> v1 = build(1);
    Map<String, byte[]> v2 = build(2);
    studio.publish("game", "live", v1, "1.0");
    Path data = temp.resolve("agent");
    Path dir = temp.resolve("games/game");
    Files.createDirectories(dir.getParent());
    List<Kill> kills = new ArrayList<>();
    try {
      start(data);
      String device = call("GET", "/v1/status", null).get("deviceId").asString();
      call(
          "POST",
          "/v1/enrolment",
          Map.of("controlPlane", controlPlane.baseUrl(), "organisation", studio.organisation()));
      studio.entitle("game", device);
      ObjectNode limits = (ObjectNode) call("GET", "/v1/limits", null);
      limits.put("downloadCapBytesPerSecond", 2_000_000);
      call("PUT", "/v1/limits", limits);
      // The first install, uninterrupted, also measures how long its install step lasts.
      String firstId = install(dir);
      awaitState(firstId, "INSTALLING");
      long installingFrom = System.nanoTime();
      JsonNode first = awaitEnd(firstId);
      long installingMs = Math.max(1, (System.nanoTime() - installingFrom) / 1_000_000);
      assertThat(first.get("state").asString()).as(first.toString()).isEqualTo("COMPLETED");
      assertHoldsExactly(data, dir, v1, 1);

      studio.publish("game", "live", v2, "2.0");
      // Seeded delays: into the download (up to 1.5 s of its ~3 s), and into the install step at
      // growing fractions of its measured length, so that the kills reach its later steps too.
      Random random = new Random(SEED);
      double[] fractions = {random.nextDouble(), random.nextDouble(), random.nextDouble()};
      java.util.Arrays.sort(fractions);
      List<String> targets = new ArrayList<>(List.of("DOWNLOADING", "DOWNLOADING"));
      List<Long> delays = new ArrayList<>(List.of(random.nextLong(1500), random.nextLong(1500)));
      for (double f : fractions) {
        targets.add("INSTALLING");
        delays.add((long) (f * installingMs));
      }
      for (int round = 0; round < targets.size(); round++) {
        String target = targets.get(round);
        long delay = delays.get(round);
        String id = install(dir);
        String seen = awaitState(id, target);
        if (seen.equals(target)) {
          Thread.sleep(delay);
          seen = state(id).orElse(seen);
        }
        agent.destroyForcibly().waitFor();

        start(data);
        int version = installedVersion(data);
        kills.add(new Kill(target, delay, seen, version));
        assertHoldsExactly(data, dir, version == 1 ? v1 : v2, version);
      }
      System.out.println("install step " + installingMs + " ms; kills: " + kills);
      assertThat(kills)
          .as("kills landed while downloading and while installing: %s", kills)
          .extracting(Kill::lastSeen)
          .contains("DOWNLOADING", "INSTALLING");

      JsonNode last = awaitEnd(install(dir));
      assertThat(last.get("state").asString()).as(last.toString()).isEqualTo("COMPLETED");
      assertHoldsExactly(data, dir, v2, 2);
    } finally {
      if (agent != null) {
        agent.destroyForcibly().waitFor();
      }
    }
  }

  /** 30 files of 200 kB; v2 changes every one of them. */
  private static Map<String, byte[]> build(int version) {
    Map<String, byte[]> files = new TreeMap<>();
    for (int i = 0; i < 30; i++) {
      files.put("data/part-" + i + ".pak", GameBuilds.bytes(version * 1000L + i, 200_000));
    }
    files.put("version.txt", ("v" + version + "\n").getBytes());
    return files;
  }

  /**
   * Exactly one whole version: the files bit for bit and nothing more, nothing beside the directory
   * (staging, old), no install journal, and the agent's record naming that version.
   */
  private static void assertHoldsExactly(
      Path data, Path dir, Map<String, byte[]> build, int version) throws IOException {
    assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(build);
    assertThat(GameBuilds.siblings(dir))
        .as("nothing staged or old beside it")
        .containsExactly("game");
    assertThat(data.resolve("installs/game-live.journal.json")).doesNotExist();
    assertThat(installedVersion(data)).isEqualTo(version);
  }

  private static int installedVersion(Path data) throws IOException {
    return JSON.readTree(Files.readString(data.resolve("installs/game-live.json")))
        .get("version")
        .asInt();
  }

  private String install(Path dir) throws Exception {
    return call(
            "POST",
            "/v1/installs",
            Map.of("product", "game", "channel", "live", "directory", dir.toString()))
        .get("id")
        .asString();
  }

  /** Polls until the install is in {@code target} or has ended; returns the state seen. */
  private String awaitState(String id, String target) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      String s = state(id).orElse("UNKNOWN");
      if (s.equals(target)
          || s.equals("COMPLETED")
          || s.equals("FAILED")
          || s.equals("CANCELLED")) {
        return s;
      }
      Thread.sleep(5);
    }
    throw new AssertionError("install " + id + " never reached " + target);
  }

  private Optional<String> state(String id) {
    try {
      return Optional.of(call("GET", "/v1/installs/" + id, null).get("state").asString());
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  private JsonNode awaitEnd(String id) throws Exception {
    awaitState(id, "COMPLETED"); // or FAILED / CANCELLED
    return call("GET", "/v1/installs/" + id, null);
  }

  /** Starts the agent's own process and waits for its local API (a fresh local-api.json). */
  private void start(Path data) throws IOException {
    Files.createDirectories(data);
    List<String> cmd = LauncherFlags.agentCommand(FLAGS);
    cmd.addAll(LauncherFlags.runArguments(data));
    agent =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(temp.resolve("agent.log").toFile()))
            .start();
    long pid = agent.pid();
    Path file = data.resolve("local-api.json");
    // A killed agent leaves its local-api.json behind: wait for the one naming this process.
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> LocalApiFile.read(file).map(f -> f.pid() == pid).orElse(false));
    api = LocalApiFile.read(file).orElseThrow();
  }

  private JsonNode call(String method, String path, Object body) throws Exception {
    return ProcessAgentApi.call(api, method, path, body);
  }
}
