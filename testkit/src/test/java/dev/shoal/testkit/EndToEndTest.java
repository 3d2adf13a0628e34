package dev.shoal.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.organisation.Organisation;
import dev.shoal.protocol.crypto.ChunkCipher;
import dev.shoal.protocol.crypto.KeyWrap;
import dev.shoal.protocol.crypto.WrappedKey;
import dev.shoal.protocol.manifest.FileEntry;
import dev.shoal.protocol.manifest.ManifestVerifier;
import dev.shoal.protocol.manifest.PackEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.pack.PackLayout;
import dev.shoal.protocol.pack.PackReader;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.protocol.signing.TrustRoot;
import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.protocol.torrent.AnnounceResponse;
import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.swarm.Progress;
import dev.shoal.swarm.Swarm;
import dev.shoal.swarm.SwarmConfig;
import dev.shoal.swarm.TorrentHandle;
import dev.shoal.swarm.TorrentJob;
import dev.shoal.testsupport.Announces;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path, all real: an organisation uploads a build, the pipeline makes a signed release,
 * it is published, a device (the edge agent's own identity code) enrols and is entitled, announces
 * to the tracker and gets the origin seeder, downloads the full pack over BitTorrent with the swarm
 * engine, unwraps the content key and rebuilds every file bit for bit. A second release with one
 * changed file then yields a small delta pack.
 */
class EndToEndTest {

  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  @TempDir Path temp;

  @Test
  void uploadReleasePublishEnrolDownloadDecrypt() throws Exception {
    Organisation acme = controlPlane.createOrganisation("acme");
    String apiKey = controlPlane.createApiKey(acme, Role.ADMIN);
    ApiClient admin = controlPlane.client(apiKey);
    admin.post("/api/v1/products", Map.of("slug", "game", "name", "Game")).assertSuccess();
    admin.post("/api/v1/products/game/channels", Map.of("name", "stable")).assertSuccess();

    Map<String, byte[]> build = GameBuilds.build(1, 8_700_000);
    String releaseId = Publisher.of(admin).publish("game", "stable", build, "1.0").id();

    Device device = AgentDevices.create(controlPlane.baseUrl(), temp.resolve("agent"));
    device.enrol("acme").assertSuccess();
    admin
        .post("/api/v1/products/game/entitlements", Map.of("deviceId", device.deviceId()))
        .assertSuccess();

    ReleaseManifest manifest = verifiedManifest(device, "acme");
    assertThat(manifest.version()).isEqualTo(1);
    PackEntry full = manifest.fullPack();
    byte[] torrent =
        device.get("/api/v1/device/packs/" + full.infoHash() + "/torrent").assertSuccess().bytes();
    Metainfo meta = Metainfo.parse(torrent);
    assertThat(meta.announce())
        .isEqualTo(controlPlane.baseUrl() + "/" + device.passkey() + "/announce");

    // The seeder announces shortly after the publish; until then the swarm is empty.
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(announce(meta, device)).as("the origin seeder").hasSize(1));

    Path pack = temp.resolve("full.pack");
    Progress progress = download(torrent, pack);
    // All of it came over BitTorrent from the origin seeder, which is the publisher: origin bytes.
    assertThat(progress.fromOrigin()).isGreaterThanOrEqualTo(full.totalSize());
    assertThat(progress.fromPeers()).isZero();

    byte[] contentKey = unwrapKey(device, "game");
    assertThat(rebuild(manifest, full, pack, contentKey)).containsExactlyInAnyOrderEntriesOf(build);

    device
        .reportDownload(releaseId, progress.fromPeers(), progress.fromOrigin(), 0, 1234, "ok")
        .assertSuccess();
    String metrics =
        ApiClient.exchange(
                HttpRequest.newBuilder(URI.create(controlPlane.baseUrl() + "/actuator/prometheus"))
                    .header("Accept", "text/plain")
                    .build())
            .assertSuccess()
            .body();
    assertThat(metrics)
        .contains("shoal_publish_duration_seconds_count")
        .contains("shoal_key_grants_total")
        .contains("shoal_tracker_announces_total{result=\"ok\"}")
        .contains("shoal_tracker_active_peers")
        .contains("shoal_tracker_active_swarms")
        .containsPattern("shoal_telemetry_downloads_total [1-9]")
        .doesNotContain(releaseId);

    // Second release: one small file changed. Its delta pack from v1 holds only that change.
    Map<String, byte[]> patched = new HashMap<>(build);
    patched.put("config/settings.ini", "volume=3\nfullscreen=0\n".getBytes());
    Publisher.of(admin).publish("game", "stable", patched, "1.1");
    ReleaseManifest second = verifiedManifest(device, "acme");
    assertThat(second.version()).isEqualTo(2);
    PackEntry delta = second.packs().stream().filter(p -> !p.isFull()).findFirst().orElseThrow();
    assertThat(delta.baseVersion()).isEqualTo(1);
    double ratio = (double) delta.totalSize() / second.fullPack().totalSize();
    assertThat(ratio).as("delta/full = %s", ratio).isLessThan(0.01);
  }

  private static ReleaseManifest verifiedManifest(Device device, String organisation) {
    byte[] rootBytes =
        ApiClient.exchange(
                HttpRequest.newBuilder(
                        URI.create(
                            controlPlane.baseUrl()
                                + "/api/v1/trust-root?organisation="
                                + organisation))
                    .build())
            .assertSuccess()
            .bytes();
    byte[] envelope =
        device.get("/api/v1/device/products/game/channels/stable/manifest").assertSuccess().bytes();
    return ManifestVerifier.verify(
        SignedEnvelope.parse(envelope),
        TrustRoot.parse(rootBytes),
        "game",
        "stable",
        0,
        Instant.now());
  }

  private static List<?> announce(Metainfo meta, Device device) throws Exception {
    AnnounceRequest request =
        Announces.request(
            meta.infoHash(),
            Announces.randomPeerId(),
            0,
            meta.length(),
            AnnounceRequest.Event.STARTED);
    AnnounceResponse response = Announces.send(request.toUrl(meta.announce()) + "&upload=0");
    assertThat(response.failureReason()).isNull();
    assertThat(response.interval()).isBetween(30, 60);
    return response.peers();
  }

  private static Progress download(byte[] torrent, Path pack) throws Exception {
    try (Swarm swarm = Swarm.start(SwarmConfig.builder().bindAddress("127.0.0.1").build());
        TorrentHandle handle = swarm.add(TorrentJob.of(torrent, pack))) {
      return handle.awaitCompletion(Duration.ofMinutes(2));
    }
  }

  private static byte[] unwrapKey(Device device, String product) {
    byte[] wrapped =
        device
            .post("/api/v1/device/products/" + product + "/content-key", Map.of())
            .assertSuccess()
            .bytes();
    return KeyWrap.unwrap(WrappedKey.parse(wrapped), device.keys().agreementPrivateKey());
  }

  private static Map<String, byte[]> rebuild(
      ReleaseManifest manifest, PackEntry full, Path pack, byte[] contentKey) throws Exception {
    ChunkCipher cipher = new ChunkCipher(contentKey);
    Map<String, byte[]> files = new HashMap<>();
    try (PackReader reader = new PackReader(pack, PackLayout.of(full, manifest))) {
      for (FileEntry file : manifest.files()) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String chunk : file.chunkIds()) {
          out.writeBytes(cipher.decrypt(chunk, reader.readChunk(chunk)));
        }
        files.put(file.path(), out.toByteArray());
      }
    }
    return files;
  }
}
