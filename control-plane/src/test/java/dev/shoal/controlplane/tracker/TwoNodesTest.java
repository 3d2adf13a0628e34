package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.controlplane.apikey.ApiKeys;
import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.organisation.Organisations;
import dev.shoal.controlplane.support.PublishedPack;
import dev.shoal.controlplane.support.RedisServer;
import dev.shoal.controlplane.support.RunningApp;
import dev.shoal.controlplane.support.TestOrganisations;
import dev.shoal.controlplane.user.Users;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.Loopback;
import dev.shoal.testsupport.SharedPostgres;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Two control planes on one PostgreSQL, one Redis and one data directory, as two replicas behind a
 * load balancer: what is done through one node holds on the other within a second, although each
 * node caches admissions for a minute here.
 */
@Tag("slow")
class TwoNodesTest {

  private static final Duration WITHIN = Duration.ofSeconds(1);

  private static RunningApp a;
  private static RunningApp b;
  private static int seederA;
  private static int seederB;
  private ApiClient studio;
  private String slug;

  @BeforeAll
  static void start() throws Exception {
    String redis = RedisServer.shared().url();
    String database = SharedPostgres.newDatabaseUrl();
    Path data = Files.createTempDirectory("shoal-two-nodes");
    seederA = Loopback.freePort();
    seederB = Loopback.freePort();
    a = RunningApp.start(settings(database, redis, data, seederA));
    b = RunningApp.start(settings(database, redis, data, seederB));
  }

  // An organisation of its own per test (the product is "game" in each).
  @BeforeEach
  void organisation() {
    TestOrganisations.TestOrganisation org =
        new TestOrganisations(
                a.bean(Organisations.class), a.bean(Users.class), a.bean(ApiKeys.class))
            .create();
    slug = org.organisation().slug();
    studio = a.http().as(ApiClient.Credentials.apiKey(org.keys().get(Role.ADMIN)));
  }

  private static Map<String, Object> settings(
      String database, String redis, Path data, int seederPort) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("spring.datasource.url", database);
    settings.put("SHOAL_REDIS_URL", redis);
    settings.put("shoal.data-dir", data);
    settings.put("shoal.origin.seeder-port", seederPort);
    // Far beyond the deadline: only the node events can make the other node forget in time.
    settings.put("shoal.tracker.cache-ttl", "60s");
    return settings;
  }

  @AfterAll
  static void stop() {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
  }

  private static String nodeB() {
    return b.http().baseUrl();
  }

  @Test
  void aDeviceRevokedThroughOneNodeIsRefusedByTheOtherWithinASecond() {
    PublishedPack pack = new PublishedPack(studio, slug);
    Device device = pack.device();
    pack.grant(device);
    assertThat(pack.announceTo(nodeB(), device.passkey(), r -> r).failureReason()).isNull();

    studio.delete("/api/v1/devices/" + device.deviceId()).assertSuccess();

    await()
        .atMost(WITHIN)
        .untilAsserted(
            () ->
                assertThat(pack.announceTo(nodeB(), device.passkey(), r -> r).failureReason())
                    .isEqualTo("unknown or revoked passkey"));
  }

  @Test
  void anEntitlementRevokedThroughOneNodeIsRefusedByTheOtherWithinASecond() {
    PublishedPack pack = new PublishedPack(studio, slug);
    Device device = pack.device();
    String entitlement = pack.grant(device);
    assertThat(pack.announceTo(nodeB(), device.passkey(), r -> r).failureReason()).isNull();

    studio.delete("/api/v1/products/game/entitlements/" + entitlement).assertSuccess();

    await()
        .atMost(WITHIN)
        .untilAsserted(
            () ->
                assertThat(pack.announceTo(nodeB(), device.passkey(), r -> r).failureReason())
                    .isEqualTo("not entitled to this torrent"));
  }

  @Test
  void aDeviceAnnouncedThroughOneNodeIsAdmittedByTheOthersSeederUntilRevoked() throws Exception {
    PublishedPack pack = new PublishedPack(studio, slug);
    Device device = pack.device();
    pack.grant(device);
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    Tracker trackerOfA = a.bean(Tracker.class);
    assertThat(trackerOfA.admitsPeer(pack.infoHash, loopback)).isFalse();
    assertThat(pack.announceTo(nodeB(), device.passkey(), r -> r).failureReason()).isNull();
    assertThat(trackerOfA.admitsPeer(pack.infoHash, loopback)).isTrue();

    studio.delete("/api/v1/devices/" + device.deviceId()).assertSuccess();

    await()
        .atMost(WITHIN)
        .untilAsserted(() -> assertThat(trackerOfA.admitsPeer(pack.infoHash, loopback)).isFalse());
  }

  @Test
  void anEntitlementGrantedThroughOneNodeIsAdmittedByTheOtherAtOnce() {
    PublishedPack pack = new PublishedPack(studio, slug);
    Device device = pack.device();
    assertThat(pack.announceTo(nodeB(), device.passkey(), r -> r).failureReason())
        .isEqualTo("not entitled to this torrent");
    pack.grant(device);
    assertThat(pack.announceTo(nodeB(), device.passkey(), r -> r).failureReason()).isNull();
  }

  @Test
  void eachNodesOriginSeederIsAdmittedByTheOthersTracker() {
    PublishedPack pack = new PublishedPack(studio, slug);
    String seederOfA = a.bean(Tracker.class).originPasskey();
    assertThat(pack.announceTo(nodeB(), seederOfA, r -> r).failureReason()).isNull();
    String seederOfB = b.bean(Tracker.class).originPasskey();
    assertThat(pack.announce(seederOfB, r -> r).failureReason()).isNull();
  }

  @Test
  void aReleasePublishedThroughOneNodeIsSeededByBoth() {
    PublishedPack pack = new PublishedPack(studio, slug);
    Device device = pack.device();
    pack.grant(device);
    pack.publish();

    // Each node's seeder announces to its own node; a device asking either hears of both.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(pack.announceTo(nodeB(), device.passkey(), r -> r).peers())
                    .extracting(InetSocketAddress::getPort)
                    .contains(seederA, seederB));
  }
}
