package dev.shoal.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.shoal.agent.bandwidth.EffectiveLimits;
import dev.shoal.agent.bandwidth.TrafficMeter.Kind;
import dev.shoal.agent.consent.ConsentScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The assembled agent: what the swarm wiring will rely on. */
class AgentTest {
  @TempDir Path tmp;

  @Test
  void withdrawalOverHttpStopsUploadsBeforeTheResponseArrives() throws Exception {
    try (RunningAgent a = new RunningAgent(tmp.resolve("data"))) {
      List<EffectiveLimits> swarmSaw = new CopyOnWriteArrayList<>();
      a.agent.policy().addListener(swarmSaw::add);
      String sha =
          a.agent
              .consent()
              .texts()
              .render(ConsentScope.UPLOAD_TO_PEERS, "en", a.agent.policy().settings())
              .sha256();
      a.sendJson(
          "POST",
          "/v1/consent",
          "{\"scope\":\"UPLOAD_TO_PEERS\",\"decision\":\"GRANTED\","
              + "\"textSha256\":\""
              + sha
              + "\",\"askedWhere\":\"LAUNCHER\"}");
      assertThat(swarmSaw.get(swarmSaw.size() - 1).uploadAllowed()).isTrue();

      a.sendJson(
          "POST",
          "/v1/consent",
          "{\"scope\":\"UPLOAD_TO_PEERS\",\"decision\":\"WITHDRAWN\",\"askedWhere\":\"LAUNCHER\"}");
      // No waiting: the listener ran on the request thread before the response was written.
      assertThat(swarmSaw.get(swarmSaw.size() - 1).uploadAllowed()).isFalse();
    }
  }

  @Test
  void sharedLimitersFollowThePolicy() throws Exception {
    try (RunningAgent a = new RunningAgent(tmp.resolve("data"))) {
      assertThat(a.agent.uploadLimiter().rate()).isEqualTo(1_000_000);
      assertThat(a.agent.downloadLimiter().rate()).isZero();
      a.agent.policy().setQuietMode(true);
      assertThat(a.agent.downloadLimiter().rate()).isEqualTo(1_000_000);
    }
  }

  @Test
  void pauseAndCountersSurviveARestart() throws Exception {
    Path data = tmp.resolve("data");
    try (RunningAgent a = new RunningAgent(data)) {
      a.sendJson("POST", "/v1/sharing", "{\"paused\":true}");
      a.agent.traffic().record(Kind.UPLOADED, 1234);
      a.agent.traffic().record(Kind.FROM_ORIGIN, 99);
    }
    try (RunningAgent a = new RunningAgent(data)) {
      assertThat(a.agent.policy().paused()).isTrue();
      var status = RunningAgent.json(a.get("/v1/status"));
      assertThat(status.path("activity").path("thisMonth").path("uploaded").asLong())
          .isEqualTo(1234);
      assertThat(status.path("activity").path("today").path("fromOrigin").asLong()).isEqualTo(99);
      assertThat(status.path("allowance").path("usedBytes").asLong()).isEqualTo(1234);
    }
  }

  @Test
  void goingOnBatteryIsNoticedByThePeriodicCheck() throws Exception {
    Path sys = Files.createDirectories(tmp.resolve("sys"));
    Path ac = Files.createDirectories(sys.resolve("AC"));
    Files.writeString(ac.resolve("type"), "Mains\n");
    Files.writeString(ac.resolve("online"), "1\n");
    Path bat = Files.createDirectories(sys.resolve("BAT0"));
    Files.writeString(bat.resolve("type"), "Battery\n");
    Files.writeString(bat.resolve("status"), "Charging\n");
    AgentConfig config =
        AgentConfig.builder()
            .dataDir(tmp.resolve("data"))
            .powerSupplyRoot(sys)
            .tickInterval(Duration.ofMillis(50))
            .build();
    try (Agent agent = Agent.start(config)) {
      assertThat(agent.policy().evaluate().uploadOffReasons()).doesNotContain("on battery");
      Files.writeString(ac.resolve("online"), "0\n");
      Files.writeString(bat.resolve("status"), "Discharging\n");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> agent.policy().evaluate().uploadOffReasons().contains("on battery"));
    }
  }

  @Test
  void configIsValidated() {
    assertThatThrownBy(() -> AgentConfig.builder().localApiPort(70_000).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                AgentConfig.builder()
                    .controlPlaneUrl(java.net.URI.create("http://cp.example"))
                    .build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(
            AgentConfig.builder()
                .controlPlaneUrl(java.net.URI.create("http://127.0.0.1:8080"))
                .build()
                .localApiPort())
        .isZero();
    assertThatThrownBy(() -> AgentConfig.builder().tickInterval(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
