package dev.shoal.testkit.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.controlplane.tracker.Tracker;
import dev.shoal.testkit.AgentFixture;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import dev.shoal.testsupport.Publisher.Release;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.env.Environment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The control plane goes away in the middle of a swarm. Agent 1 has the release and seeds it; agent
 * 2 is downloading it from agent 1 (and a little from the origin seeder, capped at 50 kB/s) when
 * the control plane is stopped: its web server, tracker, HTTP origin and origin seeder all go.
 * Agent 2 must finish from agent 1 alone and install. A new control plane is then started on the
 * same data directory, database and port (as after a deploy or a crash): its tracker starts empty,
 * and both agents must announce to it again on their own.
 */
@Tag("slow") // about a minute: the agents' announce retries after the restart take up to ~40 s
class ControlPlaneRestartTest {
  private static final int BUILD_SIZE = 4_000_000;
  private static final long PEER_UPLOAD_CAP = 400_000;
  private static final long LEECHER_DOWNLOAD_CAP = 300_000;

  @TempDir Path temp;

  @Test
  void downloadsFinishFromPeersWhileTheControlPlaneIsDownAndAgentsAnnounceAgainAfterItsRestart()
      throws Exception {
    Path controlPlaneData = temp.resolve("control-plane");
    ControlPlaneFixture first = controlPlane(controlPlaneData).start();
    ControlPlaneFixture second = null;
    AgentFixture seeder = AgentFixture.start(temp.resolve("agent-1"));
    AgentFixture leecher = AgentFixture.start(temp.resolve("agent-2"));
    try {
      String database = first.bean(Environment.class).getRequiredProperty("spring.datasource.url");
      int port = first.port();
      Publisher studio = first.newPublisher("faults").product("game", "live");
      Map<String, byte[]> v1 = GameBuilds.build(1, BUILD_SIZE);
      Release release = studio.publish("game", "live", v1, "1.0");

      // Agent 1 installs from the HTTP origin (no peer consent yet), then shares: with both
      // consents its cached pack is announced and seeded, at a 400 kB/s upload cap. Upload first,
      // so that the announce made when download consent arrives already names its listener.
      seeder.enrol(first.baseUrl(), studio.organisation());
      studio.entitle("game", seeder.deviceId());
      Path dir1 = temp.resolve("games-1/game");
      JsonNode installed =
          seeder.awaitInstall(seeder.install("game", "live", dir1), Publisher.TIMEOUT);
      assertThat(installed.get("state").asString()).as(installed.toString()).isEqualTo("COMPLETED");
      setUploadCap(seeder, PEER_UPLOAD_CAP);
      seeder.grantConsent("upload");
      seeder.grantConsent("download");

      leecher.enrol(first.baseUrl(), studio.organisation());
      studio.entitle("game", leecher.deviceId());
      leecher.grantConsent("upload");
      leecher.grantConsent("download");
      // The player caps downloads at 300 kB/s (origin included): the transfer lasts some seconds.
      setDownloadCap(leecher, LEECHER_DOWNLOAD_CAP);
      Tracker tracker = first.bean(Tracker.class);
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> uploadingPeers(tracker, release.fullPackInfoHash()) >= 1);

      Path dir2 = temp.resolve("games-2/game");
      String install = leecher.install("game", "live", dir2);
      // PREPARING needs the control plane (trust root, manifest, torrent, key): stop it only once
      // the pack is coming in, from agent 1 among others.
      Awaitility.await()
          .atMost(Publisher.TIMEOUT)
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                JsonNode s = status(leecher, install);
                return s.get("state").asString().equals("DOWNLOADING")
                    && s.get("bytesDone").asLong() > 0
                    && uploaded(seeder) > 0;
              });
      long uploadedBefore = uploaded(seeder);
      long stopped = System.nanoTime();
      first.close();
      assertRefused(port);
      JsonNode atStop = status(leecher, install);
      long total = atStop.get("bytesTotal").asLong();
      assertThat(atStop.get("state").asString()).as(atStop.toString()).isEqualTo("DOWNLOADING");
      assertThat(atStop.get("bytesDone").asLong())
          .as("still mid-transfer when the control plane was gone: %s", atStop)
          .isLessThan(total);

      JsonNode done = leecher.awaitInstall(install, Publisher.TIMEOUT);
      assertThat(done.get("state").asString()).as(done.toString()).isEqualTo("COMPLETED");
      double finishedAfter = (System.nanoTime() - stopped) / 1e9;
      assertThat(GameBuilds.files(dir2)).containsExactlyInAnyOrderEntriesOf(v1);
      assertThat(GameBuilds.siblings(dir2)).containsExactly("game");
      assertRefused(port); // nothing came from the control plane meanwhile
      assertThat(uploaded(seeder) - uploadedBefore)
          .as("agent 1 sent the rest of the pack after the control plane stopped")
          .isGreaterThanOrEqualTo(total - atStop.get("bytesDone").asLong() - (1 << 20));

      // A new control plane on the same data directory, database and port.
      second =
          controlPlane(controlPlaneData)
              .with("spring.datasource.url", database)
              .with("server.port", port)
              .start();
      long restartedAt = System.nanoTime();
      Tracker restarted = second.bean(Tracker.class);
      assertThat(restarted).isNotSameAs(tracker);
      ControlPlaneFixture cp = second;
      Awaitility.await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () -> {
                assertThat(restarted.swarmCounts().get(release.fullPackInfoHash()))
                    .as("both agents in the restarted tracker's swarm")
                    .isEqualTo(new Tracker.SwarmCount(2, 2));
                // The operators' view: 2 agents and the origin seeder.
                assertThat(activePeersMetric(cp)).isEqualTo(3);
              });
      System.out.printf(
          "agent 2 completed %.1f s after the stop; both agents announced again %.1f s after the"
              + " restart%n",
          finishedAfter, (System.nanoTime() - restartedAt) / 1e9);
      // The restarted control plane serves the same studio: its key, release and devices.
      assertThat(
              studio
                  .api()
                  .at(cp.baseUrl())
                  .get("/api/v1/releases/" + release.id())
                  .assertSuccess()
                  .json()
                  .get("version")
                  .asLong())
          .isEqualTo(release.version());
    } finally {
      leecher.close();
      seeder.close();
      first.close();
      if (second != null) {
        second.close();
      }
    }
  }

  private static ControlPlaneFixture controlPlane(Path dataDir) {
    return new ControlPlaneFixture()
        .with("shoal.data-dir", dataDir)
        .with("shoal.origin.upload-cap", "50KB")
        .with("shoal.tracker.interval", "30s");
  }

  private static JsonNode status(AgentFixture agent, String install) {
    return agent.get("/v1/installs/" + install).assertSuccess().json();
  }

  private static int uploadingPeers(Tracker tracker, String infoHash) {
    Tracker.SwarmCount c = tracker.swarmCounts().get(infoHash);
    return c == null ? 0 : c.uploadingPeers();
  }

  private static long uploaded(AgentFixture agent) {
    return agent.agent().transfers().transfers().stream().mapToLong(t -> t.bytesUploaded()).sum();
  }

  private static void setUploadCap(AgentFixture agent, long bytesPerSecond) {
    ObjectNode limits = (ObjectNode) agent.get("/v1/limits").assertSuccess().json();
    limits.put("uploadCapBytesPerSecond", bytesPerSecond);
    agent.send("PUT", "/v1/limits", limits.toString()).assertSuccess();
  }

  private static void setDownloadCap(AgentFixture agent, long bytesPerSecond) {
    ObjectNode limits = (ObjectNode) agent.get("/v1/limits").assertSuccess().json();
    limits.put("downloadCapBytesPerSecond", bytesPerSecond);
    agent.send("PUT", "/v1/limits", limits.toString()).assertSuccess();
  }

  private static void assertRefused(int port) {
    assertThatThrownBy(
            () -> {
              try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
              }
            })
        .as("nothing listens on the control plane's port")
        .isInstanceOf(IOException.class);
  }

  private static long activePeersMetric(ControlPlaneFixture cp) {
    String text =
        cp.anonymous()
            .send(
                HttpRequest.newBuilder(URI.create(cp.baseUrl() + "/actuator/prometheus"))
                    .header("Accept", "text/plain")
                    .build())
            .assertSuccess()
            .body();
    return text.lines()
        .filter(l -> l.startsWith("shoal_tracker_active_peers"))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElseThrow();
  }
}
