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
 * The lab variant of faults/UploadConsentOnTheWireTest: no payload byte leaves a home whose player
 * gave no upload consent, counted by nftables on that home's router, even though the home is
 * reachable (no NAT) and holds the whole pack. Control: a sharing home's router carries the pack to
 * the downloader.
 */
@Tag("lab") // about 2 minutes: the control plane and three agents as processes in namespaces
class UploadConsentInTheLabTest {
  private static final long BLOCK = 16 * 1024;

  @Test
  void noPayloadByteLeavesAHomeWithoutUploadConsent() {
    Lab.assumeAvailable();
    try (Lab lab =
        Lab.builder()
            .homes(3)
            .nat(0, Nat.NONE)
            .nat(2, Nat.NONE)
            // The origin slower than a home's upload, so that a sharing peer has work to do.
            .controlPlaneSetting("shoal.origin.upload-cap", "500KB")
            .build()) {
      Home quiet = lab.home(0);
      Home downloader = lab.home(1);
      Home sharing = lab.home(2);
      Publisher studio = lab.controlPlane().publisher().product("game", "live");
      studio.publish("game", "live", GameBuilds.build(5, 4 * GameBuilds.MIB), "1.0");

      LabAgent q = start(studio, quiet);
      q.grant("download");
      assertCompleted(q);
      LabAgent s = start(studio, sharing);
      s.grant("upload");
      s.grant("download");
      assertCompleted(s);
      long quietBefore = sentToHomes(lab, quiet);

      LabAgent d = start(studio, downloader);
      d.grant("upload");
      d.grant("download");
      JsonNode done = assertCompleted(d);

      assertThat(sharing.bytesSentTo(downloader))
          .as("control: the sharing home uploaded to the downloader (%s)", done)
          .isGreaterThan(GameBuilds.MIB);
      assertThat(sentToHomes(lab, quiet) - quietBefore)
          .as("bytes the home without upload consent sent to other homes")
          .isLessThan(BLOCK);
    }
  }

  private static long sentToHomes(Lab lab, Home from) {
    return lab.homes().stream().filter(h -> h != from).mapToLong(from::bytesSentTo).sum();
  }

  private static LabAgent start(Publisher studio, Home home) {
    LabAgent agent = home.startAgent(0, List.of());
    studio.entitle("game", agent.deviceId());
    return agent;
  }

  private static JsonNode assertCompleted(LabAgent agent) {
    JsonNode done = agent.awaitInstall(agent.install("game", "live"), Duration.ofSeconds(60));
    assertThat(done.get("state").asString()).as(done.toString()).isEqualTo("COMPLETED");
    return done;
  }
}
