package dev.shoal.testkit.hostile;

import static dev.shoal.testkit.hostile.HostileWorld.patched;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.organisation.Organisations;
import dev.shoal.controlplane.release.ManifestSigner;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.testsupport.Publisher.Release;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * TUF "rollback" and "indefinite freeze": a man in the middle replays manifests the control plane
 * really signed, either older than what is installed, or past their expiry.
 *
 * <p>Expired manifests: the shortest {@code shoal.release.manifest-ttl} is one hour and the agent
 * reads the system clock, so a test cannot wait for a real manifest to expire. Instead the control
 * plane's own {@link ManifestSigner} (the organisation's live key, the same code the pipeline and
 * the hourly re-signing use) signs the release with a validity that ended an hour ago: byte for
 * byte what this control plane would have served two hours ago with a one-hour TTL, replayed now.
 */
class RollbackAndFreezeTest extends HostileTest {
  RollbackAndFreezeTest() {
    super(Start.V1_INSTALLED);
  }

  @Test
  void anOlderGenuineManifestIsRefusedOnceANewerIsInstalled() throws Exception {
    Release v2 = world.publish("game", "stable", patched(v1.files(), 2), "1.1");
    world.installGenuine("game", "stable", dir, v2.files());
    // v1's manifest is genuine and still valid for weeks: only the version rule refuses it.
    assertThat(v1.manifest().expiresAt()).isAfter(Instant.now().plus(Duration.ofDays(1)));

    world.proxy.on(HostileProxy.MANIFEST, (req, up) -> Forge.json(v1.envelope()));
    world.assertInstallRefused(dir, "SIGNATURE", v2, "ROLLBACK");
  }

  @Test
  void anExpiredManifestOfANewerReleaseIsRefused() throws Exception {
    Release v2 = world.publish("game", "stable", patched(v1.files(), 2), "1.1");
    byte[] stale = signedLongAgo(v2.manifest());

    world.proxy.on(HostileProxy.MANIFEST, (req, up) -> Forge.json(stale));
    world.assertInstallRefused(dir, "SIGNATURE", v1, "EXPIRED");

    world.proxy.clearRules(); // the control: the same release, freshly signed, installs
    world.installGenuine("game", "stable", dir, v2.files());
  }

  @Test
  void replayingTheInstalledReleasesManifestFreezesTheAgentOnlyUntilItExpires() throws Exception {
    world.publish("game", "stable", patched(v1.files(), 2), "1.1");

    // Within its validity, a replayed current manifest does hide v2: the agent believes it is up
    // to date. That window is the manifest TTL (30 days by default), the documented limit.
    world.proxy.on(HostileProxy.MANIFEST, (req, up) -> Forge.json(v1.envelope()));
    JsonNode within = world.install("game", "stable", dir);
    assertThat(within.get("state").asString()).as(within.toString()).isEqualTo("COMPLETED");
    assertThat(within.get("targetVersion").asLong()).isEqualTo(1);
    world.assertHolds(dir, v1.files());

    // Once expired, the same freeze is reported as a failure instead of "up to date".
    byte[] stale = signedLongAgo(v1.manifest());
    world.proxy.on(HostileProxy.MANIFEST, (req, up) -> Forge.json(stale));
    world.assertInstallRefused(dir, "SIGNATURE", v1, "EXPIRED");
  }

  /** The release as the control plane would have signed it two hours ago with a one-hour TTL. */
  private byte[] signedLongAgo(ReleaseManifest m) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant signedAt = now.minus(Duration.ofHours(2));
    byte[] envelope =
        controlPlane
            .bean(ManifestSigner.class)
            .resign(
                controlPlane.bean(Organisations.class).findBySlug(world.org()).orElseThrow().id(),
                m,
                m.version(),
                signedAt,
                signedAt.plus(Duration.ofHours(1)))
            .envelope();
    ReleaseManifest stale = Forge.manifestOf(envelope);
    assertThat(stale.signingKeyId()).isEqualTo(m.signingKeyId()); // the organisation's real key
    assertThat(stale.expiresAt()).isBefore(now);
    return envelope;
  }
}
