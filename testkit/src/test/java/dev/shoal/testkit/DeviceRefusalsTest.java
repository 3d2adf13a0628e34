package dev.shoal.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.organisation.Organisation;
import dev.shoal.protocol.signing.Ed25519;
import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.protocol.torrent.AnnounceResponse;
import dev.shoal.testsupport.Announces;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import dev.shoal.testsupport.Response;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every way a device, a passkey or a token can be wrong, against a real control plane: each is
 * refused (401/403/404 problem, or a bencoded tracker failure) and what is right still works.
 */
class DeviceRefusalsTest {

  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static ApiClient admin;
  private static String gameFullPack;
  private static String otherFullPack;
  private static Path agents;
  private static final Map<String, String> releaseIds = new HashMap<>();

  @BeforeAll
  static void publishTwoProducts() throws Exception {
    Organisation org = controlPlane.createOrganisation("studio");
    String apiKey = controlPlane.createApiKey(org, Role.ADMIN);
    admin = controlPlane.client(apiKey);
    agents = Files.createTempDirectory("shoal-agents");
    gameFullPack = publish(apiKey, "game");
    otherFullPack = publish(apiKey, "other");
  }

  private static String publish(String apiKey, String product) {
    admin.post("/api/v1/products", Map.of("slug", product, "name", product)).assertSuccess();
    admin
        .post("/api/v1/products/" + product + "/channels", Map.of("name", "stable"))
        .assertSuccess();
    Map<String, byte[]> build = Map.of("a.bin", GameBuilds.bytes(product.hashCode(), 70_000));
    Publisher.Release release = Publisher.of(admin).publish(product, "stable", build, "1");
    releaseIds.put(product, release.id());
    return release.fullPackInfoHash();
  }

  private static Device enrolled(String organisation) throws Exception {
    Device device =
        AgentDevices.create(controlPlane.baseUrl(), Files.createTempDirectory(agents, "agent"));
    device.enrol(organisation).assertSuccess();
    return device;
  }

  private static String grant(Device device, String product) {
    return admin
        .post(
            "/api/v1/products/" + product + "/entitlements", Map.of("deviceId", device.deviceId()))
        .assertSuccess()
        .json()
        .get("id")
        .asString();
  }

  @Test
  void signaturesMustBeGoodFreshAndUnused() throws Exception {
    Device device = enrolled("studio");
    grant(device, "game");
    String path = "/api/v1/device/products/game/channels/stable/manifest";
    assertThat(device.get(path).status()).isEqualTo(200);

    URI uri = URI.create(controlPlane.baseUrl() + path);
    URI keyUri = URI.create(controlPlane.baseUrl() + "/api/v1/device/products/game/content-key");
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    Map<String, String> headers = device.signatureHeaders("POST", keyUri, body);
    assertThat(ApiClient.exchange(device.request("POST", keyUri, body, headers)).status())
        .isEqualTo(200);
    assertThat(ApiClient.exchange(device.request("POST", keyUri, body, headers)).body())
        .as("a replayed POST")
        .contains("Replayed");

    Map<String, String> forged = new HashMap<>(device.signatureHeaders("GET", uri, new byte[0]));
    byte[] sig = Base64.getUrlDecoder().decode(forged.get("X-Shoal-Signature"));
    sig[0] ^= 1;
    forged.put("X-Shoal-Signature", Base64.getUrlEncoder().withoutPadding().encodeToString(sig));
    Response bad = ApiClient.exchange(device.request("GET", uri, new byte[0], forged));
    assertThat(bad.status()).isEqualTo(401);
    assertThat(bad.json().get("detail").asString()).isEqualTo("Bad device signature");

    Map<String, String> get = device.signatureHeaders("GET", uri, new byte[0]);
    assertThat(ApiClient.exchange(device.request("GET", uri, new byte[0], get)).status())
        .isEqualTo(200);
    assertThat(ApiClient.exchange(device.request("GET", uri, new byte[0], get)).body())
        .as("a replayed GET")
        .contains("Replayed");
    Map<String, String> noNonce = new HashMap<>(device.signatureHeaders("GET", uri, new byte[0]));
    noNonce.remove("X-Shoal-Nonce");
    assertThat(ApiClient.exchange(device.request("GET", uri, new byte[0], noNonce)).status())
        .as("without a nonce")
        .isEqualTo(401);

    Map<String, String> otherPath =
        device.signatureHeaders(
            "GET", URI.create(controlPlane.baseUrl() + "/api/v1/device/x"), new byte[0]);
    assertThat(ApiClient.exchange(device.request("GET", uri, new byte[0], otherPath)).status())
        .as("a signature for another path")
        .isEqualTo(401);

    Response stale =
        device.send("GET", path, new byte[0], Instant.now().minus(Duration.ofMinutes(10)));
    assertThat(stale.status()).isEqualTo(401);
    assertThat(stale.json().get("detail").asString()).startsWith("Stale");
    assertThat(
            device
                .send("GET", path, new byte[0], Instant.now().plus(Duration.ofMinutes(10)))
                .status())
        .isEqualTo(401);

    Device stranger =
        AgentDevices.create(controlPlane.baseUrl(), Files.createTempDirectory(agents, "stranger"));
    assertThat(stranger.get(path).status()).as("a device never enrolled").isEqualTo(401);
  }

  /** One device reporting 10^15 bytes from peers skewed a release's offload ratio. */
  @Test
  void telemetryIsBelievedOnlyAsFarAsOneDownloadOfTheReleaseCouldGo() throws Exception {
    Device device = enrolled("studio");
    grant(device, "game");
    long pack =
        ApiClient.exchange(
                DeviceCalls.originRequest(controlPlane.baseUrl(), device.passkey(), gameFullPack)
                    .method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .build())
            .headers()
            .firstValueAsLong("Content-Length")
            .orElseThrow();
    long peersBefore = report(device, 0, 0).status() == 200 ? peers(device) : -1;
    Response huge = report(device, 1_000_000_000_000_000L, 0);
    assertThat(huge.status()).isEqualTo(400);
    assertThat(huge.json().get("detail").asString()).contains("more than one download");
    assertThat(peers(device)).as("the refused report counts nothing").isEqualTo(peersBefore);

    Response over = report(device, pack + pack / 2, 0); // end-game duplicates: scaled to the pack
    assertThat(over.status()).isEqualTo(200);
    assertThat(over.json().get("bytesFromPeers").asLong()).isEqualTo(peersBefore + pack);
  }

  private Response report(Device device, long peers, long origin) {
    return device.post(
        "/api/v1/device/telemetry",
        Map.of(
            "releaseId",
            releaseIds.get("game"),
            "bytesFromPeers",
            peers,
            "bytesFromOrigin",
            origin,
            "bytesUploaded",
            0,
            "durationMs",
            10,
            "result",
            "ok"));
  }

  /** The release's bytes from peers so far, as an empty report returns them. */
  private long peers(Device device) {
    return report(device, 0, 0).json().get("bytesFromPeers").asLong();
  }

  @Test
  void identicalRequestsInOneSecondAreEachAcceptedOnce() throws Exception {
    Device device = enrolled("studio");
    grant(device, "game");
    URI keyUri = URI.create(controlPlane.baseUrl() + "/api/v1/device/products/game/content-key");
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    Instant now = Instant.now();
    for (int i = 0; i < 3; i++) {
      Response r = device.send("POST", "/api/v1/device/products/game/content-key", body, now);
      assertThat(r.status()).as("identical POST %d in one second: %s", i, r.body()).isEqualTo(200);
    }
  }

  @Test
  void enrolmentMustBeSignedByTheEnrolledKey() throws Exception {
    Device device =
        AgentDevices.create(controlPlane.baseUrl(), Files.createTempDirectory(agents, "e"));
    Device other =
        AgentDevices.create(controlPlane.baseUrl(), Files.createTempDirectory(agents, "o"));
    byte[] body =
        JSON.writeValueAsBytes(
            Map.of(
                "organisation",
                "studio",
                "signingPublicKey",
                "A".repeat(43),
                "agreementPublicKey",
                "A".repeat(43)));
    URI enrol = URI.create(controlPlane.baseUrl() + "/api/v1/device/enrol");
    assertThat(
            ApiClient.exchange(
                    device.request(
                        "POST", enrol, body, device.signatureHeaders("POST", enrol, body)))
                .status())
        .as("keys that are not the signer's")
        .isEqualTo(401);
    assertThat(device.enrol("no-such-organisation").status()).isEqualTo(404);
    assertThat(device.enrol("studio").status()).isEqualTo(201);
    assertThat(other.enrol("studio").status()).isEqualTo(201);
    assertThat(device.passkey()).isNotEqualTo(other.passkey());
  }

  @Test
  void withoutEntitlementNothingIsHandedOut() throws Exception {
    Device device = enrolled("studio");
    assertThat(device.get("/api/v1/device/products/game/channels/stable/manifest").status())
        .isEqualTo(403);
    assertThat(device.post("/api/v1/device/products/game/content-key", Map.of()).status())
        .isEqualTo(403);
    assertThat(device.get("/api/v1/device/packs/" + gameFullPack + "/torrent").status())
        .isEqualTo(403);
    assertThat(announce(device.passkey(), gameFullPack)).isEqualTo("not entitled to this torrent");
    assertThat(origin(device.passkey(), gameFullPack).status()).isEqualTo(403);

    // Entitled to "game" only: "other"'s torrent stays refused, on the tracker and the origin.
    grant(device, "game");
    assertThat(announce(device.passkey(), gameFullPack)).isNull();
    assertThat(announce(device.passkey(), otherFullPack)).isEqualTo("not entitled to this torrent");
    assertThat(origin(device.passkey(), otherFullPack).status()).isEqualTo(403);
    assertThat(device.get("/api/v1/device/packs/" + otherFullPack + "/torrent").status())
        .isEqualTo(403);
  }

  @Test
  void unknownPasskeysAndOtherOrganisationsAreRefused() throws Exception {
    String passkey = "0".repeat(40);
    assertThat(announce(passkey, gameFullPack)).isEqualTo("unknown or revoked passkey");
    assertThat(origin(passkey, gameFullPack).status()).isEqualTo(401);
    assertThat(announce(enrolled("studio").passkey(), "ab".repeat(20)))
        .isEqualTo("unknown torrent");

    controlPlane.createOrganisation("rival");
    Device rival = enrolled("rival");
    assertThat(rival.get("/api/v1/device/products/game/channels/stable/manifest").status())
        .isEqualTo(404);
    assertThat(announce(rival.passkey(), gameFullPack)).isEqualTo("not entitled to this torrent");
    assertThat(
            admin
                .post("/api/v1/products/game/entitlements", Map.of("deviceId", rival.deviceId()))
                .status())
        .as("another organisation's device cannot be granted")
        .isEqualTo(404);
  }

  /**
   * Entitlements may name a player rather than a device. Player names are chosen by each
   * organisation, so the same name in two organisations is two people: an organisation's grant to
   * "player-7" must not reach another organisation's device linked to its own "player-7".
   */
  @Test
  void aPlayerNameEntitlesOnlyWithinItsOrganisation() throws Exception {
    Organisation rivalOrg = controlPlane.createOrganisation("rival-players");
    ApiClient rival = controlPlane.client(controlPlane.createApiKey(rivalOrg, Role.ADMIN));
    rival.post("/api/v1/products", Map.of("slug", "game", "name", "Their game")).assertSuccess();
    rival.post("/api/v1/products/game/channels", Map.of("name", "stable")).assertSuccess();
    String theirPack =
        Publisher.of(rival)
            .publish("game", "stable", Map.of("a.bin", GameBuilds.bytes(7, 50_000)), "1")
            .fullPackInfoHash();
    KeyPair publisher = Ed25519.generate();
    rival
        .send("PUT", "/api/v1/products/game/entitlement-key", DeviceCalls.entitlementKey(publisher))
        .assertSuccess();
    Device theirs = enrolled("rival-players");
    long inAnHour = Instant.now().plus(Duration.ofHours(1)).getEpochSecond();
    assertThat(
            theirs
                .post(
                    "/api/v1/device/products/game/content-key",
                    Map.of("token", token(publisher, "game", inAnHour)))
                .status())
        .as("their player-7 redeems their own token")
        .isEqualTo(200);
    assertThat(announce(theirs.passkey(), theirPack)).isNull();

    admin.post("/api/v1/products/game/entitlements", Map.of("player", "player-7")).assertSuccess();
    assertThat(announce(theirs.passkey(), gameFullPack)).isEqualTo("not entitled to this torrent");
    assertThat(origin(theirs.passkey(), gameFullPack).status()).isEqualTo(403);
    assertThat(theirs.get("/api/v1/device/packs/" + gameFullPack + "/torrent").status())
        .isEqualTo(403);
    assertThat(
            theirs
                .post(
                    "/api/v1/device/telemetry",
                    Map.of(
                        "releaseId", releaseIds.get("game"),
                        "bytesFromPeers", 0,
                        "bytesFromOrigin", 1,
                        "bytesUploaded", 0,
                        "durationMs", 10,
                        "result", "ok"))
                .status())
        .as("telemetry about our release")
        .isIn(403, 404);
  }

  @Test
  void revokingAnEntitlementOrADeviceStopsKeysAndPeersAtOnce() throws Exception {
    Device device = enrolled("studio");
    String entitlement = grant(device, "game");
    Response granted = device.post("/api/v1/device/products/game/content-key", Map.of());
    assertThat(granted.status()).isEqualTo(200);
    admin.delete("/api/v1/products/game/entitlements/" + entitlement).assertSuccess();
    String keyId = granted.json().get("contentKeyId").asString();
    assertThat(
            device
                .post("/api/v1/device/products/game/content-key", Map.of("contentKeyId", keyId))
                .status())
        .isEqualTo(403);
    assertThat(announce(device.passkey(), gameFullPack)).isEqualTo("not entitled to this torrent");

    grant(device, "game");
    assertThat(announce(device.passkey(), gameFullPack)).isNull();
    admin.delete("/api/v1/devices/" + device.deviceId()).assertSuccess();
    assertThat(device.post("/api/v1/device/products/game/content-key", Map.of()).status())
        .isEqualTo(401);
    assertThat(announce(device.passkey(), gameFullPack)).isEqualTo("unknown or revoked passkey");
    assertThat(origin(device.passkey(), gameFullPack).status()).isEqualTo(401);
    assertThat(device.enrol("studio", "eu").status())
        .as("a revoked device may not re-enrol")
        .isEqualTo(403);
  }

  @Test
  void entitlementTokensMustBeSignedByThePublisherUnexpiredAndForTheProduct() throws Exception {
    KeyPair publisher = Ed25519.generate();
    String raw =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(Ed25519.rawPublicKey(publisher.getPublic()));
    admin
        .send(
            "PUT",
            "/api/v1/products/game/entitlement-key",
            JSON.writeValueAsString(Map.of("publicKey", raw)))
        .assertSuccess();
    long inAnHour = Instant.now().plus(Duration.ofHours(1)).getEpochSecond();
    long anHourAgo = Instant.now().minus(Duration.ofHours(1)).getEpochSecond();

    Device device = enrolled("studio");
    String path = "/api/v1/device/products/game/content-key";
    assertThat(device.post(path, Map.of("token", token(publisher, "game", anHourAgo))).body())
        .contains("expired");
    assertThat(
            device.post(path, Map.of("token", token(Ed25519.generate(), "game", inAnHour))).body())
        .contains("bad signature");
    assertThat(device.post(path, Map.of("token", token(publisher, "other", inAnHour))).body())
        .contains("another product");
    assertThat(device.post(path, Map.of("token", "not.a.token")).status()).isEqualTo(403);
    assertThat(device.get("/api/v1/device/products/game/channels/stable/manifest").status())
        .as("no token accepted so far")
        .isEqualTo(403);

    assertThat(device.post(path, Map.of("token", token(publisher, "game", inAnHour))).status())
        .isEqualTo(200);
    assertThat(device.post(path, Map.of()).status())
        .as("the token entitles until it expires")
        .isEqualTo(200);
    assertThat(announce(device.passkey(), gameFullPack)).isNull();
  }

  @Test
  void theOriginServesRangesToEntitledDevices() throws Exception {
    Device device = enrolled("studio");
    grant(device, "game");
    Response whole = origin(device.passkey(), gameFullPack);
    assertThat(whole.status()).isEqualTo(200);
    Response range =
        ApiClient.exchange(
            DeviceCalls.originRequest(controlPlane.baseUrl(), device.passkey(), gameFullPack)
                .header("Range", "bytes=100-199")
                .build());
    assertThat(range.status()).isEqualTo(206);
    assertThat(range.bytes()).isEqualTo(Arrays.copyOfRange(whole.bytes(), 100, 200));
  }

  @Test
  void aDeviceThatDoesNotConsentToUploadIsNotHandedOut() throws Exception {
    Device shy = enrolled("studio");
    Device other = enrolled("studio");
    grant(shy, "game");
    grant(other, "game");
    peerPorts(shy.passkey(), 7000, "&upload=0");
    assertThat(peerPorts(other.passkey(), 7001, "")).doesNotContain(7000);
    assertThat(peerPorts(shy.passkey(), 7000, "")).as("it gets peers itself").contains(7001);
    assertThat(peerPorts(other.passkey(), 7001, "")).as("once it consents").contains(7000);
  }

  private static java.util.List<Integer> peerPorts(String passkey, int port, String extra)
      throws Exception {
    byte[] peerId =
        ("-TK0001-" + port + "abcdefgh").substring(0, 20).getBytes(StandardCharsets.US_ASCII);
    AnnounceRequest request =
        Announces.request(
            HexFormat.of().parseHex(gameFullPack), peerId, port, 1, AnnounceRequest.Event.NONE);
    AnnounceResponse decoded =
        Announces.send(request.toUrl(controlPlane.baseUrl() + "/" + passkey + "/announce") + extra);
    assertThat(decoded.failureReason()).isNull();
    return decoded.peers().stream().map(java.net.InetSocketAddress::getPort).toList();
  }

  @Test
  void originBytesRefusalsAndReportedErrorsAreExported() throws Exception {
    Device device = enrolled("studio");
    grant(device, "game");
    assertThat(origin(device.passkey(), gameFullPack).status()).isEqualTo(200);
    announce("1".repeat(40), gameFullPack);
    device
        .post(
            "/api/v1/device/telemetry",
            Map.of(
                "releaseId", releaseIds.get("game"),
                "bytesFromPeers", 0,
                "bytesFromOrigin", 70_016,
                "bytesUploaded", 0,
                "durationMs", 10,
                "result", "peer_timeout"))
        .assertSuccess();
    assertThat(
            device
                .post(
                    "/api/v1/device/telemetry",
                    Map.of("releaseId", releaseIds.get("game"), "result", "ok"))
                .status())
        .as("an incomplete report")
        .isEqualTo(400);
    String metrics =
        ApiClient.exchange(
                HttpRequest.newBuilder(URI.create(controlPlane.baseUrl() + "/actuator/prometheus"))
                    .header("Accept", "text/plain")
                    .build())
            .body();
    assertThat(metrics)
        .containsPattern("shoal_origin_egress_bytes_total [1-9]")
        .contains("shoal_tracker_announces_total{result=\"unknown_passkey\"}")
        .contains("shoal_errors_total{kind=\"peer_timeout\"} 1.0")
        .containsPattern("shoal_telemetry_downloads_total [1-9]")
        .doesNotContain(releaseIds.get("game"));
  }

  private static String token(KeyPair key, String product, long exp) {
    return DeviceCalls.entitlementToken(key, "player-7", product, exp);
  }

  /** The failure reason of an announce, or null when it succeeded. */
  private static String announce(String passkey, String infoHash) {
    return DeviceCalls.announceFailure(controlPlane.baseUrl(), passkey, infoHash);
  }

  private static Response origin(String passkey, String infoHash) {
    return DeviceCalls.origin(controlPlane.baseUrl(), passkey, infoHash);
  }
}
