package dev.shoal.testkit.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.organisation.Organisation;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.testkit.AgentFixture;
import dev.shoal.testkit.ApiClient;
import dev.shoal.testkit.ControlPlaneFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import tools.jackson.databind.JsonNode;

/**
 * A studio on a real control plane, through its API: its own organisation and admin API key,
 * product {@code game} with channel {@code live}. Plus the file helpers the fault tests share.
 */
final class Studio {
  static final Duration TIMEOUT = Duration.ofMinutes(2);
  private static final AtomicInteger ORGANISATIONS = new AtomicInteger();

  /** A published release: its id, version and the info hash of its full pack. */
  record Release(String id, long version, String fullPackInfoHash) {}

  final String org;
  final String apiKey;
  private final String baseUrl;
  final ApiClient admin;

  private Studio(ControlPlaneFixture controlPlane, Organisation organisation) {
    this.org = organisation.slug();
    this.apiKey = controlPlane.createApiKey(organisation, Role.ADMIN);
    this.baseUrl = controlPlane.baseUrl();
    this.admin = controlPlane.client(apiKey);
    admin.post("/api/v1/products", Map.of("slug", "game", "name", "Game")).assertSuccess();
    admin.post("/api/v1/products/game/channels", Map.of("name", "live")).assertSuccess();
  }

  static Studio create(ControlPlaneFixture controlPlane) {
    return new Studio(
        controlPlane, controlPlane.createOrganisation("faults" + ORGANISATIONS.incrementAndGet()));
  }

  /**
   * Enrols the agent with {@code controlPlaneUrl} (the control plane or a proxy) and entitles it.
   */
  void enrolAndEntitle(AgentFixture agent, String controlPlaneUrl) {
    agent
        .post("/v1/enrolment", Map.of("controlPlane", controlPlaneUrl, "organisation", org))
        .assertSuccess();
    entitle(agent.deviceId());
  }

  void entitle(String deviceId) {
    admin.post("/api/v1/products/game/entitlements", Map.of("deviceId", deviceId)).assertSuccess();
  }

  /** Uploads a build, releases it, waits for READY and publishes it to 100%. */
  Release publish(Map<String, byte[]> build, String displayVersion) {
    String upload =
        admin
            .post("/api/v1/products/game/uploads", Map.of())
            .assertSuccess()
            .json()
            .get("id")
            .asString();
    build.forEach(
        (path, content) ->
            admin
                .send(
                    HttpRequest.newBuilder(
                            URI.create(
                                baseUrl
                                    + "/api/v1/uploads/"
                                    + upload
                                    + "/files?path="
                                    + URLEncoder.encode(path, StandardCharsets.UTF_8)))
                        .header("Authorization", "Bearer " + apiKey)
                        .header("Content-Type", "application/octet-stream")
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
                        .build())
                .assertSuccess());
    admin.post("/api/v1/uploads/" + upload + "/complete", Map.of()).assertSuccess();
    String id =
        admin
            .post(
                "/api/v1/products/game/channels/live/releases",
                Map.of("uploadId", upload, "displayVersion", displayVersion))
            .assertSuccess()
            .json()
            .get("id")
            .asString();
    Awaitility.await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              String s = admin.get("/api/v1/releases/" + id).json().get("state").asString();
              return s.equals("READY") || s.equals("FAILED");
            });
    JsonNode release = admin.get("/api/v1/releases/" + id).assertSuccess().json();
    assertThat(release.get("state").asString()).as(release.toString()).isEqualTo("READY");
    admin.post("/api/v1/releases/" + id + "/publish", Map.of("rollout", 100)).assertSuccess();
    byte[] envelope =
        admin
            .get("/api/v1/releases/" + id + "/manifest")
            .assertSuccess()
            .body()
            .getBytes(StandardCharsets.UTF_8);
    ReleaseManifest manifest = ManifestCodec.parse(SignedEnvelope.parse(envelope).payload());
    return new Release(id, manifest.version(), manifest.fullPack().infoHash());
  }

  // ---- builds and files ----------------------------------------------------------------------

  /** Deterministic pseudo-random bytes. */
  static byte[] bytes(long seed, int size) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  /** A build of about {@code size} bytes over four files in two directories. */
  static Map<String, byte[]> build(long seed, int size) {
    Map<String, byte[]> files = new TreeMap<>();
    files.put("bin/game.exe", bytes(seed * 10 + 1, size / 2));
    files.put("data/levels.pak", bytes(seed * 10 + 2, size / 2 - 10_000));
    files.put("data/readme.txt", bytes(seed * 10 + 3, 10_000));
    files.put("config.ini", ("build=" + seed + "\n").getBytes(StandardCharsets.UTF_8));
    return files;
  }

  /** Every regular file under {@code dir} by relative path, with its bytes. */
  static Map<String, byte[]> files(Path dir) {
    Map<String, byte[]> out = new HashMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        out.put(dir.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** The names in {@code dir}'s parent (the install directory and anything staged beside it). */
  static List<String> siblings(Path dir) {
    try (Stream<Path> s = Files.list(dir.getParent())) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
