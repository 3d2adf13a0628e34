package dev.shoal.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.organisation.Organisation;
import dev.shoal.testkit.ApiClient;
import dev.shoal.testkit.ControlPlaneFixture;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import tools.jackson.databind.JsonNode;

/**
 * A studio on the real control plane, for the SDK's tests: its own organisation and admin API key,
 * products, builds uploaded and released through the real API (as testkit's Builds does), device
 * entitlements.
 */
final class Publisher {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  final ControlPlaneFixture controlPlane;
  final String organisation;
  final String apiKey;
  final ApiClient api;

  private Publisher(ControlPlaneFixture controlPlane, String organisation, String apiKey) {
    this.controlPlane = controlPlane;
    this.organisation = organisation;
    this.apiKey = apiKey;
    this.api = controlPlane.client(apiKey);
  }

  static Publisher create(ControlPlaneFixture controlPlane, String organisation) {
    Organisation o = controlPlane.createOrganisation(organisation);
    return new Publisher(controlPlane, organisation, controlPlane.createApiKey(o, Role.ADMIN));
  }

  URI url() {
    return URI.create(controlPlane.baseUrl());
  }

  Publisher product(String slug, String channel) {
    api.post("/api/v1/products", Map.of("slug", slug, "name", slug)).assertSuccess();
    api.post("/api/v1/products/" + slug + "/channels", Map.of("name", channel)).assertSuccess();
    return this;
  }

  void entitle(String product, String deviceId) {
    api.post("/api/v1/products/" + product + "/entitlements", Map.of("deviceId", deviceId))
        .assertSuccess();
  }

  /** Uploads, releases (waits for READY) and publishes a build to 100 % of the channel. */
  void publish(String product, String channel, Map<String, byte[]> build, String displayVersion) {
    String upload =
        api.post("/api/v1/products/" + product + "/uploads", Map.of())
            .assertSuccess()
            .json()
            .get("id")
            .asString();
    build.forEach((path, content) -> put(upload, path, content));
    api.post("/api/v1/uploads/" + upload + "/complete", Map.of()).assertSuccess();
    String id =
        api.post(
                "/api/v1/products/" + product + "/channels/" + channel + "/releases",
                Map.of("uploadId", upload, "displayVersion", displayVersion))
            .assertSuccess()
            .json()
            .get("id")
            .asString();
    Awaitility.await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              String state = api.get("/api/v1/releases/" + id).json().get("state").asString();
              return state.equals("READY") || state.equals("FAILED");
            });
    JsonNode release = api.get("/api/v1/releases/" + id).assertSuccess().json();
    assertThat(release.get("state").asString()).as(release.toString()).isEqualTo("READY");
    api.post("/api/v1/releases/" + id + "/publish", Map.of("rollout", 100)).assertSuccess();
  }

  private void put(String upload, String path, byte[] content) {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    controlPlane.baseUrl()
                        + "/api/v1/uploads/"
                        + upload
                        + "/files?path="
                        + URLEncoder.encode(path, StandardCharsets.UTF_8)))
            .header("Authorization", "Bearer " + apiKey)
            .header("Content-Type", "application/octet-stream")
            .header("Content-Range", "bytes 0-" + (content.length - 1) + "/" + content.length)
            .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
            .build();
    try {
      HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode() / 100).as("upload of %s: %s", path, r.body()).isEqualTo(2);
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Deterministic pseudo-random (incompressible) bytes. */
  static byte[] bytes(long seed, int size) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  /** A small game build: about {@code megabytes} MB in a few directories. */
  static Map<String, byte[]> build(double megabytes) {
    int half = (int) (megabytes * 500_000);
    Map<String, byte[]> files = new TreeMap<>();
    files.put("bin/game.bin", bytes(1, half));
    files.put("data/assets.pak", bytes(2, half));
    files.put("config/settings.ini", "volume=7\nfullscreen=1\n".getBytes(StandardCharsets.UTF_8));
    files.put("readme.txt", bytes(4, 10_000));
    return files;
  }

  /** Every regular file under {@code dir}, by relative path with {@code /} separators. */
  static Map<String, byte[]> files(Path dir) throws IOException {
    Map<String, byte[]> out = new HashMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        out.put(dir.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
      }
    }
    return out;
  }

  /** The names in {@code dir}'s parent (to see staging or old directories left behind). */
  static List<String> siblings(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir.getParent())) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
