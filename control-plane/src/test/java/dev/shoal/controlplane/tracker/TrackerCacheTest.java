package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.support.ApiTest;
import dev.shoal.controlplane.support.SignedDevice;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/**
 * The tracker's caches never serve what was revoked through this node: a revoked device, a
 * re-enrolled device's old passkey, a removed entitlement are refused on the very next announce.
 * The caches live a minute here, so an eviction that did not happen would show: the first test
 * checks that a revocation the tracker is not told about (as one made through another node) is
 * indeed still served from the cache, which is what the TTL bounds.
 */
@TestPropertySource(properties = "shoal.tracker.cache-ttl=60s")
class TrackerCacheTest extends ApiTest {

  @Autowired JdbcClient jdbc;

  private PublishedPack pack;

  @BeforeEach
  void publishedPack() {
    pack = new PublishedPack(http(), organisations);
  }

  private SignedDevice device() {
    return pack.device();
  }

  private String grant(SignedDevice device) {
    return pack.grant(device);
  }

  /** The failure reason, or null for a peer list. */
  private String announce(String passkey) throws Exception {
    return pack.announce(passkey, request -> request).failureReason();
  }

  private void delete(String path) {
    assertThat(http().send("DELETE", path, pack.admin, null, null).status()).isBetween(200, 299);
  }

  @Test
  void aRevocationTheTrackerIsNotToldAboutIsServedFromTheCacheUntilItsTtl() throws Exception {
    SignedDevice device = device();
    grant(device);
    assertThat(announce(device.passkey())).isNull();
    jdbc.sql("update devices set revoked_at = now() where id = ?").param(device.id()).update();
    assertThat(announce(device.passkey()))
        .as("cached: this is the window shoal.tracker.cache-ttl bounds across nodes")
        .isNull();
    delete("/api/v1/devices/" + device.id());
    assertThat(announce(device.passkey())).isEqualTo("unknown or revoked passkey");
  }

  @Test
  void aRevokedDeviceIsRefusedOnItsNextAnnounce() throws Exception {
    SignedDevice device = device();
    grant(device);
    assertThat(announce(device.passkey())).isNull();
    assertThat(announce(device.passkey())).isNull();
    delete("/api/v1/devices/" + device.id());
    assertThat(announce(device.passkey())).isEqualTo("unknown or revoked passkey");
  }

  @Test
  void aRemovedEntitlementIsRefusedOnTheNextAnnounceAndANewGrantWorksAtOnce() throws Exception {
    SignedDevice device = device();
    SignedDevice other = device();
    String entitlement = grant(device);
    grant(other);
    assertThat(announce(device.passkey())).isNull();
    assertThat(announce(other.passkey())).isNull();
    delete("/api/v1/products/game/entitlements/" + entitlement);
    assertThat(announce(device.passkey())).isEqualTo("not entitled to this torrent");
    assertThat(announce(other.passkey())).as("another device's entitlement stands").isNull();
    grant(device);
    assertThat(announce(device.passkey())).as("refusals are never cached").isNull();
  }

  @Test
  void aReEnrolledDevicesOldPasskeyIsRefusedAtOnce() throws Exception {
    SignedDevice device = device();
    grant(device);
    String old = device.passkey();
    assertThat(announce(old)).isNull();
    // Signed a second later than the first enrolment, which could be in this same second.
    device.enrol(pack.organisationSlug(), java.time.Instant.now().plusSeconds(1));
    assertThat(device.passkey()).isNotEqualTo(old);
    assertThat(announce(old)).isEqualTo("unknown or revoked passkey");
    assertThat(announce(device.passkey())).isNull();
  }

  @Test
  void everyResultIsCountedFromTheStart() {
    String metrics =
        http()
            .send(
                http().request("/actuator/prometheus").header("Accept", "text/plain").GET().build())
            .body();
    for (String result : Tracker.RESULTS) {
      assertThat(metrics).contains("shoal_tracker_announces_total{result=\"" + result + "\"}");
    }
  }
}
