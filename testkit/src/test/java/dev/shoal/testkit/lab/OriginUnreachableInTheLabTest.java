package dev.shoal.testkit.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The lab variant of faults/OriginUnreachableTest: the origin goes away in the cloud (its seeder's
 * port dropped by the cloud's firewall, the HTTP origin answering 503 at the TLS proxy) while the
 * API and tracker stay up. A player behind NAT starts an install that can get nothing, and finishes
 * from another home's player as soon as that one shares: not one byte from the origin, and the
 * pack's bytes counted on the routers between the two homes.
 */
@Tag("lab") // about 2 minutes: the control plane and two agents as processes in namespaces
class OriginUnreachableInTheLabTest {
  @Test
  void aNatedPlayerFinishesFromAnotherHomeWhenTheOriginIsGone() {
    Lab.assumeAvailable();
    try (Lab lab =
        Lab.builder()
            .homes(2)
            // The home that shares is reachable (no NAT): with no traversal in the engine, a
            // NATed player can reach it, and nothing else is measured here.
            .nat(0, Nat.NONE)
            .nat(1, Nat.CONE)
            .controlPlaneSetting("shoal.tracker.interval", "30s")
            .build()) {
      Home sharing = lab.home(0);
      Home downloader = lab.home(1);
      Publisher studio = lab.controlPlane().publisher().product("game", "live");
      studio.publish("game", "live", GameBuilds.build(7, 3 * GameBuilds.MIB), "1.0");

      // The first player installs while the origin works (no peer consent: in no swarm).
      LabAgent first = sharing.startAgent(0, List.of());
      studio.entitle("game", first.deviceId());
      JsonNode installed = first.awaitInstall(first.install("game", "live"), Publisher.TIMEOUT);
      assertThat(installed.get("state").asString()).as(installed.toString()).isEqualTo("COMPLETED");
      assertThat(installed.get("bytesFromOrigin").asLong()).isPositive();

      lab.controlPlane().originReachable(false);
      LabAgent second = downloader.startAgent(0, List.of());
      studio.entitle("game", second.deviceId());
      second.grant("upload");
      second.grant("download");
      String install = second.install("game", "live");
      long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!second.installStatus(install).get("state").asString().equals("DOWNLOADING")) {
        assertThat(System.nanoTime()).as("DOWNLOADING in 60 s").isLessThan(end);
        Lab.sleep(200);
      }
      Lab.sleep(3000); // its engine tries the origin seeder and the HTTP origin, and is refused
      assertThat(second.installStatus(install).get("bytesDone").asLong()).isZero();

      // The first player shares: announced with its listener; the second finds it.
      first.grant("upload");
      first.grant("download");
      JsonNode done = second.awaitInstall(install, Publisher.TIMEOUT);
      assertThat(done.get("state").asString()).as(done.toString()).isEqualTo("COMPLETED");
      long total = done.get("bytesTotal").asLong();
      assertThat(done.get("bytesFromOrigin").asLong()).as(done.toString()).isZero();
      assertThat(done.get("bytesFromPeers").asLong()).isGreaterThanOrEqualTo(total);
      assertThat(sharing.bytesSentTo(downloader)).isGreaterThanOrEqualTo(total);
      assertThat(downloader.bytesReceivedFrom(sharing)).isGreaterThanOrEqualTo(total);
    }
  }
}
