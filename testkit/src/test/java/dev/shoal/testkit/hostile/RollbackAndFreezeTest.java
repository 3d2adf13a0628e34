package dev.shoal.testkit.hostile;

import static dev.shoal.testkit.hostile.HostileWorld.patched;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.organisation.Organisations;
import dev.shoal.controlplane.release.ManifestSigner;
import dev.shoal.protocol.manifest.ChannelHead;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.testsupport.Publisher.Release;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

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

  /**
   * A replayed current manifest used to hide v2 for the manifest's whole validity (30 days): the
   * agent believed it was up to date. The channel head served with every manifest now names the
   * release for this device, and lives hours.
   */
  @Test
  void replayingTheInstalledReleasesManifestIsCaughtByTheChannelHead() throws Exception {
    Release v2 = world.publish("game", "stable", patched(v1.files(), 2), "1.1");

    // v1's manifest with the genuine answer's head, which names v2.
    world.proxy.on(HostileProxy.MANIFEST, (req, up) -> up.forward(req).withBody(v1.envelope()));
    world.assertInstallRefused(dir, "SIGNATURE", v1, "NOT_LATEST", "version 2");

    // v1's manifest with the head that named v1 back then: refused once that head expired.
    String oldHead = Forge.base64url(headSignedLongAgo(v1.version()));
    world.proxy.on(
        HostileProxy.MANIFEST,
        (req, up) -> Forge.json(v1.envelope()).withHeader(Forge.CHANNEL_HEAD, oldHead));
    world.assertInstallRefused(dir, "SIGNATURE", v1, "STALE");

    // Without any head.
    world.proxy.on(HostileProxy.MANIFEST, (req, up) -> Forge.json(v1.envelope()));
    world.assertInstallRefused(dir, "SIGNATURE", v1, "without a channel head");

    world.proxy.clearRules(); // the control
    world.installGenuine("game", "stable", dir, v2.files());
  }

  /** A head for this agent naming {@code version}, issued seven hours ago for six. */
  private byte[] headSignedLongAgo(long version) {
    Instant issued = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(7));
    return controlPlane
        .bean(ManifestSigner.class)
        .signHead(
            controlPlane.bean(Organisations.class).findBySlug(world.org()).orElseThrow().id(),
            new ChannelHead(
                "game",
                "stable",
                world.agent.deviceId(),
                version,
                issued,
                issued.plus(Duration.ofHours(6))));
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
