package dev.shoal.testkit.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.controlplane.tracker.Tracker;
import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.protocol.torrent.AnnounceResponse;
import dev.shoal.testkit.AgentDevices;
import dev.shoal.testkit.AgentFixture;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.Announces;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import dev.shoal.testsupport.Publisher.Release;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Found while breaking the swarm (ControlPlaneRestartTest): the real agent, without upload consent,
 * announced {@code port=6881} and no {@code upload=0}, so the tracker handed a player who never
 * agreed to share out to other players, at a port nobody listens on. Here the real agent announces
 * to the real tracker, and another device asks for peers.
 */
class UploadConsentOnTheWireTest {
  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  @TempDir Path temp;

  @Test
  void anAgentWithoutUploadConsentIsInTheSwarmButNeverHandedOut() throws Exception {
    Publisher studio = controlPlane.newPublisher("faults").product("game", "live");
    Release release = studio.publish("game", "live", GameBuilds.build(3, 600_000), "1.0");
    Tracker tracker = controlPlane.bean(Tracker.class);
    Device other = AgentDevices.create(controlPlane.baseUrl(), temp.resolve("other"));
    other.enrol(studio.organisation()).assertSuccess();
    studio.entitle("game", other.deviceId());

    try (AgentFixture downloadOnly = AgentFixture.start(temp.resolve("download-only"));
        AgentFixture sharing = AgentFixture.start(temp.resolve("sharing"))) {
      downloadOnly.enrol(controlPlane.baseUrl(), studio.organisation());
      studio.entitle("game", downloadOnly.deviceId());
      downloadOnly.grantConsent("download");
      install(downloadOnly, temp.resolve("g1/game"));
      // It announced (started, completed) and takes part in the swarm, but offers no uploads.
      assertThat(tracker.swarmCounts().get(release.fullPackInfoHash()))
          .isEqualTo(new Tracker.SwarmCount(1, 0));
      List<InetSocketAddress> peers = peersFor(other, release.fullPackInfoHash());
      assertThat(peers).as("only the origin seeder: %s", peers).hasSize(1);

      // Control: a player who agreed to both is handed out, at the port it listens on.
      sharing.enrol(controlPlane.baseUrl(), studio.organisation());
      studio.entitle("game", sharing.deviceId());
      sharing.grantConsent("upload");
      sharing.grantConsent("download");
      install(sharing, temp.resolve("g2/game"));
      int port =
          sharing.get("/v1/status").assertSuccess().json().get("rates").get("listenPort").asInt();
      assertThat(port).isPositive();
      assertThat(tracker.swarmCounts().get(release.fullPackInfoHash()))
          .as("the agent without upload consent, the other device and the sharing agent")
          .isEqualTo(new Tracker.SwarmCount(3, 2));
      assertThat(peersFor(other, release.fullPackInfoHash()))
          .extracting(InetSocketAddress::getPort)
          .hasSize(2)
          .contains(port);

      // Withdrawn: the agent tells the tracker at once (it used to wait for its next announce,
      // up to 45 s, while the tracker kept handing out a port that no longer listened).
      sharing.withdrawConsent("upload");
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(peersFor(other, release.fullPackInfoHash()))
                      .extracting(InetSocketAddress::getPort)
                      .hasSize(1)
                      .doesNotContain(port));
      // Granted again: handed out again, at the port it listens on now.
      sharing.grantConsent("upload");
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                int listening =
                    sharing
                        .get("/v1/status")
                        .assertSuccess()
                        .json()
                        .get("rates")
                        .get("listenPort")
                        .asInt();
                assertThat(listening).isPositive();
                assertThat(peersFor(other, release.fullPackInfoHash()))
                    .extracting(InetSocketAddress::getPort)
                    .hasSize(2)
                    .contains(listening);
              });
    }
  }

  private static void install(AgentFixture agent, Path dir) {
    JsonNode done = agent.awaitInstall(agent.install("game", "live", dir), Publisher.TIMEOUT);
    assertThat(done.get("state").asString()).as(done.toString()).isEqualTo("COMPLETED");
  }

  /** One announce as another device that uploads; the peers the tracker gives it. */
  private static List<InetSocketAddress> peersFor(Device device, String infoHash) throws Exception {
    AnnounceRequest request =
        Announces.request(
            HexFormat.of().parseHex(infoHash),
            "-TK0001-faults-other".getBytes(StandardCharsets.US_ASCII),
            7001,
            1,
            AnnounceRequest.Event.NONE);
    AnnounceResponse decoded = Announces.send(request.toUrl(device.announceUrl()));
    assertThat(decoded.failureReason()).isNull();
    return decoded.peers();
  }
}
