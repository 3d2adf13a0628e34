package dev.shoal.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.organisation.Organisation;
import dev.shoal.protocol.signing.Ed25519;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import dev.shoal.testsupport.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every device-facing path (the origin seeder's handshake too), for four devices, against one real
 * control plane: only our own entitled device gets anything of ours. The others are a device of
 * another organisation whose product has the same slug and whose player has the same name as ours,
 * a device of ours that was revoked, and a device of ours without an entitlement.
 */
class TenantIsolationTest {

  private static final int SEEDER_PORT = freePort();

  @RegisterExtension
  static final ControlPlaneFixture controlPlane =
      new ControlPlaneFixture().with("shoal.origin.seeder-port", SEEDER_PORT);

  private static final String PLAYER = "alice";
  private static Path agents;
  private static Publisher.Release ours;
  private static Publisher.Release theirs;
  private static Device own;
  private static ApiClient us;
  private static ApiClient them;
  private static final Map<String, Device> strangers = new LinkedHashMap<>();

  @BeforeAll
  static void twoOrganisationsWithTheSameProductAndPlayerNames() throws Exception {
    agents = Files.createTempDirectory("shoal-tenants");
    us = admin("studio-a");
    them = admin("studio-b");
    ours = publish(us, 1);
    theirs = publish(them, 2);
    us.post("/api/v1/products/game/entitlements", Map.of("player", PLAYER)).assertSuccess();
    them.post("/api/v1/products/game/entitlements", Map.of("player", PLAYER)).assertSuccess();

    own = enrolled("studio-a");
    grant(us, own);
    Device theirPlayer = enrolled("studio-b");
    linkToPlayer(them, theirPlayer);
    Device revoked = enrolled("studio-a");
    grant(us, revoked);
    us.delete("/api/v1/devices/" + revoked.deviceId()).assertSuccess();
    strangers.put("another organisation, same product slug and player name", theirPlayer);
    strangers.put("our device, revoked", revoked);
    strangers.put("our device, not entitled", enrolled("studio-a"));
  }

  @Test
  void torrent() {
    String path = "/api/v1/device/packs/" + ours.fullPackInfoHash() + "/torrent";
    assertThat(own.get(path).status()).isEqualTo(200);
    strangers.forEach((who, d) -> assertThat(d.get(path).status()).as(who).isIn(401, 403, 404));
  }

  @Test
  void announce() {
    assertThat(announce(own)).isNull();
    strangers.forEach((who, d) -> assertThat(announce(d)).as(who).isNotNull().isNotEmpty());
  }

  @Test
  void httpOrigin() {
    assertThat(origin(own).status()).isEqualTo(200);
    strangers.forEach((who, d) -> assertThat(origin(d).status()).as(who).isIn(401, 403, 404));
  }

  /**
   * The origin seeder, asked from a loopback address of each device's own after that device
   * announced from it: it answers our device's handshake and drops the others' before sending a
   * byte (the tracker refused their announces, so nobody was admitted from their addresses).
   */
  @Test
  void seederHandshake() throws Exception {
    String hash = ours.fullPackInfoHash();
    InetAddress ownAt = loopback(2);
    assertThat(DeviceCalls.announceFailureFrom(ownAt, controlPlane.port(), own.passkey(), hash))
        .isNull();
    assertThat(seederAnswerOnceSeeding(ownAt, hash)).isEqualTo(68);
    int n = 3;
    for (Map.Entry<String, Device> stranger : strangers.entrySet()) {
      InetAddress at = loopback(n++);
      assertThat(
              DeviceCalls.announceFailureFrom(
                  at, controlPlane.port(), stranger.getValue().passkey(), hash))
          .as(stranger.getKey())
          .isNotNull();
      assertThat(DeviceCalls.seederAnswer(at, SEEDER_PORT, hash)).as(stranger.getKey()).isZero();
    }
  }

  @Test
  void theSeederDropsARevokedDeviceWithinASecond() throws Exception {
    Device doomed = enrolled("studio-a");
    grant(us, doomed);
    assertSeederDropsWithinASecond(
        doomed, loopback(10), () -> us.delete("/api/v1/devices/" + doomed.deviceId()));
  }

  @Test
  void theSeederDropsADeviceWhoseEntitlementIsRevokedWithinASecond() throws Exception {
    Device unentitled = enrolled("studio-a");
    Response granted =
        us.post("/api/v1/products/game/entitlements", Map.of("deviceId", unentitled.deviceId()));
    granted.assertSuccess();
    String id = granted.json().get("id").asString();
    assertSeederDropsWithinASecond(
        unentitled,
        loopback(11),
        () -> us.delete("/api/v1/products/game/entitlements/" + id).assertSuccess());
  }

  /** The device announces and holds a seeder connection; {@code revoke} closes it within 1 s. */
  private static void assertSeederDropsWithinASecond(Device device, InetAddress at, Runnable revoke)
      throws Exception {
    String hash = ours.fullPackInfoHash();
    assertThat(DeviceCalls.announceFailureFrom(at, controlPlane.port(), device.passkey(), hash))
        .isNull();
    assertThat(seederAnswerOnceSeeding(at, hash)).isEqualTo(68);
    try (Socket connection = DeviceCalls.handshake(at, SEEDER_PORT, hash)) {
      InputStream in = connection.getInputStream();
      assertThat(in.readNBytes(68)).hasSize(68);
      long start = System.nanoTime();
      revoke.run();
      try {
        while (in.read() >= 0) {
          // the seeder's bitfield and keep-alives, until it closes
        }
      } catch (SocketException reset) {
        // closed by the seeder as well
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }
  }

  /** The seeder's answer once it seeds the pack (it rechecks a published pack from disk first). */
  private static int seederAnswerOnceSeeding(InetAddress at, String hash) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      int n = DeviceCalls.seederAnswer(at, SEEDER_PORT, hash);
      if (n == 68 || System.nanoTime() > deadline) {
        return n;
      }
      Thread.sleep(200);
    }
  }

  private static InetAddress loopback(int last) throws Exception {
    return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Per-release figures only on the authenticated API, each organisation its own; the public
   * Prometheus endpoint names no release, product or organisation.
   */
  @Test
  void metrics() {
    Map<String, Object> report =
        Map.of(
            "releaseId", ours.id(),
            "bytesFromPeers", 1000,
            "bytesFromOrigin", 0,
            "bytesUploaded", 0,
            "durationMs", 10,
            "result", "ok");
    assertThat(own.post("/api/v1/device/telemetry", report).status()).isEqualTo(200);

    Response mine = us.get("/api/v1/metrics").assertSuccess();
    assertThat(mine.body()).contains(ours.id()).doesNotContain(theirs.id());
    assertThat(mine.json().get("releases").get(0).get("figures").get("bytesFromPeers").asLong())
        .isGreaterThanOrEqualTo(1000);
    Response other = them.get("/api/v1/metrics?product=game").assertSuccess();
    assertThat(other.body()).contains(theirs.id()).doesNotContain(ours.id());
    assertThat(other.json().get("releases").get(0).get("figures").get("bytesFromPeers").asLong())
        .isZero();
    Response unknown = them.get("/api/v1/metrics?product=no-such-game");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.contentType()).startsWith("application/problem+json");
    assertThat(controlPlane.anonymous().get("/api/v1/metrics").status()).isEqualTo(401);

    String scraped =
        ApiClient.exchange(
                HttpRequest.newBuilder(URI.create(controlPlane.baseUrl() + "/actuator/prometheus"))
                    .header("Accept", "text/plain")
                    .build())
            .assertSuccess()
            .body();
    assertThat(scraped)
        .containsPattern("shoal_telemetry_peer_bytes_total [1-9]")
        .doesNotContain(ours.id(), theirs.id(), "studio-a", "studio-b")
        .doesNotContainPattern("[{,](release|product|organisation|device|player)=");
  }

  @Test
  void contentKey() {
    String path = "/api/v1/device/products/game/content-key";
    Response mine = own.post(path, Map.of());
    assertThat(mine.status()).isEqualTo(200);
    String ourKey = mine.json().get("contentKeyId").asString();
    strangers.forEach(
        (who, d) -> {
          Response r = d.post(path, Map.of());
          if (r.status() == 200) {
            assertThat(r.json().get("contentKeyId").asString()).as(who).isNotEqualTo(ourKey);
          } else {
            assertThat(r.status()).as(who).isIn(401, 403, 404);
          }
        });
  }

  @Test
  void manifest() {
    String path = "/api/v1/device/products/game/channels/stable/manifest";
    Response mine = own.get(path);
    assertThat(mine.status()).isEqualTo(200);
    assertThat(mine.headers().firstValue("X-Shoal-Release-Id")).hasValue(ours.id());
    strangers.forEach(
        (who, d) -> {
          Response r = d.get(path);
          if (r.status() == 200) {
            assertThat(r.headers().firstValue("X-Shoal-Release-Id")).as(who).hasValue(theirs.id());
            assertThat(r.bytes()).as(who).isNotEqualTo(mine.bytes());
          } else {
            assertThat(r.status()).as(who).isIn(401, 403, 404);
          }
        });
  }

  @Test
  void telemetry() {
    Map<String, Object> report =
        Map.of(
            "releaseId", ours.id(),
            "bytesFromPeers", 0,
            "bytesFromOrigin", 1,
            "bytesUploaded", 0,
            "durationMs", 10,
            "result", "ok");
    assertThat(own.post("/api/v1/device/telemetry", report).status()).isBetween(200, 204);
    strangers.forEach(
        (who, d) ->
            assertThat(d.post("/api/v1/device/telemetry", report).status())
                .as(who)
                .isIn(401, 403, 404));
  }

  @Test
  void consentIsRecordedOnlyForTheSigningDevice() {
    Response mine = own.post("/api/v1/device/consent", consent(own));
    assertThat(mine.status()).as(mine.body()).isBetween(200, 201);
    strangers.forEach(
        (who, d) ->
            assertThat(d.post("/api/v1/device/consent", consent(own)).status())
                .as(who)
                .isIn(401, 403));
  }

  /** A withdrawal of upload consent: every field present, the text fields null (no text). */
  private static Map<String, Object> consent(Device about) {
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("deviceId", about.deviceId());
    record.put("scope", "UPLOAD_TO_PEERS");
    record.put("decision", "WITHDRAWN");
    record.put("at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    record.put("askedWhere", "CLI");
    for (String text : new String[] {"textId", "textVersion", "textLocale", "textSha256"}) {
      record.put(text, null);
    }
    return record;
  }

  private static ApiClient admin(String slug) {
    Organisation org = controlPlane.createOrganisation(slug);
    return controlPlane.client(controlPlane.createApiKey(org, Role.ADMIN));
  }

  private static Publisher.Release publish(ApiClient admin, int seed) {
    admin.post("/api/v1/products", Map.of("slug", "game", "name", "Game")).assertSuccess();
    admin.post("/api/v1/products/game/channels", Map.of("name", "stable")).assertSuccess();
    return Publisher.of(admin)
        .publish("game", "stable", Map.of("a.bin", GameBuilds.bytes(seed, 60_000)), "1");
  }

  private static Device enrolled(String organisation) throws Exception {
    Device device =
        AgentDevices.create(controlPlane.baseUrl(), Files.createTempDirectory(agents, "agent"));
    device.enrol(organisation).assertSuccess();
    return device;
  }

  private static void grant(ApiClient admin, Device device) {
    admin
        .post("/api/v1/products/game/entitlements", Map.of("deviceId", device.deviceId()))
        .assertSuccess();
  }

  /** The device redeems its organisation's token naming {@link #PLAYER}: it is that player now. */
  private static void linkToPlayer(ApiClient admin, Device device) {
    KeyPair publisher = Ed25519.generate();
    admin
        .send("PUT", "/api/v1/products/game/entitlement-key", DeviceCalls.entitlementKey(publisher))
        .assertSuccess();
    long exp = Instant.now().plus(Duration.ofHours(1)).getEpochSecond();
    device
        .post(
            "/api/v1/device/products/game/content-key",
            Map.of("token", DeviceCalls.entitlementToken(publisher, PLAYER, "game", exp)))
        .assertSuccess();
  }

  private static String announce(Device device) {
    return DeviceCalls.announceFailure(
        controlPlane.baseUrl(), device.passkey(), ours.fullPackInfoHash());
  }

  private static Response origin(Device device) {
    return DeviceCalls.origin(controlPlane.baseUrl(), device.passkey(), ours.fullPackInfoHash());
  }
}
