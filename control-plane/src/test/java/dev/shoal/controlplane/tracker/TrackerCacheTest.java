package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.support.OrganisationTest;
import dev.shoal.controlplane.support.PublishedPack;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.Response;
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
class TrackerCacheTest extends OrganisationTest {

  @Autowired JdbcClient jdbc;

  private PublishedPack pack;

  @BeforeEach
  void publishedPack() {
    pack = new PublishedPack(http.as(admin), org.organisation().slug());
  }

  private Device device() {
    return pack.device();
  }

  private String grant(Device device) {
    return pack.grant(device);
  }

  /** The failure reason, or null for a peer list. */
  private String announce(String passkey) throws Exception {
    return pack.announce(passkey, request -> request).failureReason();
  }

  private void delete(String path) {
    assertThat(http().send("DELETE", path, admin, null, null).status()).isBetween(200, 299);
  }

  @Test
  void aRevocationTheTrackerIsNotToldAboutIsServedFromTheCacheUntilItsTtl() throws Exception {
    Device device = device();
    grant(device);
    assertThat(announce(device.passkey())).isNull();
    jdbc.sql("update devices set revoked_at = now() where id = ?")
        .param(device.deviceId())
        .update();
    assertThat(announce(device.passkey()))
        .as("cached: this is the window shoal.tracker.cache-ttl bounds across nodes")
        .isNull();
    delete("/api/v1/devices/" + device.deviceId());
    assertThat(announce(device.passkey())).isEqualTo("unknown or revoked passkey");
  }

  @Test
  void aRevokedDeviceIsRefusedOnItsNextAnnounce() throws Exception {
    Device device = device();
    grant(device);
    assertThat(announce(device.passkey())).isNull();
    assertThat(announce(device.passkey())).isNull();
    delete("/api/v1/devices/" + device.deviceId());
    assertThat(announce(device.passkey())).isEqualTo("unknown or revoked passkey");
  }

  @Test
  void aRemovedEntitlementIsRefusedOnTheNextAnnounceAndANewGrantWorksAtOnce() throws Exception {
    Device device = device();
    Device other = device();
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
    Device device = device();
    grant(device);
    String old = device.passkey();
    assertThat(announce(old)).isNull();
    // Signed a second later than the first enrolment, which could be in this same second.
    assertThat(device.enrol(org.organisation().slug(), "", java.time.Instant.now().plusSeconds(1)))
        .extracting(Response::status)
        .isEqualTo(201);
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
