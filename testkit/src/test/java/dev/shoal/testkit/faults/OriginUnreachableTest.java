package dev.shoal.testkit.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.Lifecycle;
import tools.jackson.databind.JsonNode;

/**
 * The origin goes away while the control plane's API and tracker stay up: the origin seeder is
 * stopped (the control plane's own swarm engine closed: its listener and connections gone), and the
 * HTTP origin answers 503 (agents reach the control plane through a {@link FaultProxy} that refuses
 * {@code /origin/...}). Agent 2's download starts, can get nothing (the origin is its only source),
 * and finishes from agent 1 as soon as agent 1 joins the swarm: not one byte from the origin, bit
 * for bit.
 */
class OriginUnreachableTest {
  @RegisterExtension
  static final ControlPlaneFixture controlPlane =
      new ControlPlaneFixture().with("shoal.tracker.interval", "30s");

  @TempDir Path temp;

  @Test
  void theSwarmFinishesFromPeersWhenTheOriginSeederAndHttpOriginAreGone() throws Exception {
    Publisher studio = controlPlane.newPublisher("faults").product("game", "live");
    Map<String, byte[]> build = GameBuilds.build(7, 2_000_000);
    Release release = studio.publish("game", "live", build, "1.0");
    try (FaultProxy proxy = new FaultProxy(controlPlane.baseUrl());
        AgentFixture first = AgentFixture.start(temp.resolve("agent-1"));
        AgentFixture second = AgentFixture.start(temp.resolve("agent-2"))) {
      // Agent 1 installs while the origin works (over HTTP, through the proxy; no peer consent
      // yet, so it is in no swarm).
      first.enrol(proxy.url(), studio.organisation());
      studio.entitle("game", first.deviceId());
      JsonNode installed =
          first.awaitInstall(
              first.install("game", "live", temp.resolve("g1/game")), Publisher.TIMEOUT);
      assertThat(installed.get("state").asString()).as(installed.toString()).isEqualTo("COMPLETED");
      assertThat(proxy.originForwarded()).as("agent 1 used the HTTP origin").isPositive();

      // The faults.
      Lifecycle seeder = controlPlane.bean("originSeeder", Lifecycle.class);
      seeder.stop();
      assertThat(seeder.isRunning()).isFalse();
      proxy.refuseOrigin();
      int forwardedBefore = proxy.originForwarded();
      Device probe = AgentDevices.create(controlPlane.baseUrl(), temp.resolve("probe"));
      probe.enrol(studio.organisation()).assertSuccess();
      studio.entitle("game", probe.deviceId());
      for (InetSocketAddress peer : peers(probe, release.fullPackInfoHash())) {
        assertThatThrownBy(
                () -> {
                  try (Socket s = new Socket()) {
                    s.connect(peer, 1000);
                  }
                })
            .as("nothing in the swarm serves: %s", peer)
            .isInstanceOf(IOException.class);
      }

      // Agent 2 (both consents) starts: the manifest, key and torrent come from the control plane,
      // but the pack has no source. Its engine tries the origin and is refused.
      second.enrol(proxy.url(), studio.organisation());
      studio.entitle("game", second.deviceId());
      second.grantConsent("upload");
      second.grantConsent("download");
      Path dir = temp.resolve("g2/game");
      String install = second.install("game", "live", dir);
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  proxy.originRefused() >= 2
                      && status(second, install).get("state").asString().equals("DOWNLOADING"));
      assertThat(status(second, install).get("bytesDone").asLong()).isZero();

      // Agent 1 joins the swarm: it is announced with its listener, and agent 2 finds it.
      first.grantConsent("upload");
      first.grantConsent("download");
      JsonNode done = second.awaitInstall(install, Publisher.TIMEOUT);
      assertThat(done.get("state").asString()).as(done.toString()).isEqualTo("COMPLETED");
      assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(build);
      assertThat(GameBuilds.siblings(dir)).containsExactly("game");
      assertThat(done.get("bytesFromOrigin").asLong()).as(done.toString()).isZero();
      assertThat(done.get("bytesFromPeers").asLong())
          .isGreaterThanOrEqualTo(done.get("bytesTotal").asLong());
      assertThat(proxy.originForwarded())
          .as("no origin request got through")
          .isEqualTo(forwardedBefore);
      // Agent 1's counts are read from its engine every 250 ms: wait for the last poll.
      long total = done.get("bytesTotal").asLong();
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(
              () ->
                  assertThat(
                          first.agent().transfers().transfers().stream()
                              .mapToLong(t -> t.bytesUploaded())
                              .sum())
                      .isGreaterThanOrEqualTo(total));
    }
  }

  private static JsonNode status(AgentFixture agent, String install) {
    return agent.get("/v1/installs/" + install).assertSuccess().json();
  }

  /** The peers the tracker hands a device that asks for this pack (the origin seeder first). */
  private static List<InetSocketAddress> peers(Device device, String infoHash) throws Exception {
    AnnounceRequest request =
        Announces.request(
            HexFormat.of().parseHex(infoHash),
            "-TK0001-faults-probe".getBytes(StandardCharsets.US_ASCII),
            0,
            1,
            AnnounceRequest.Event.NONE);
    AnnounceResponse decoded = Announces.send(request.toUrl(device.announceUrl()));
    assertThat(decoded.failureReason()).isNull();
    return decoded.peers();
  }
}
