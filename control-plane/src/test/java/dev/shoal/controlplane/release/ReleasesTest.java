package dev.shoal.controlplane.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.support.ApiTest;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.ApiClient.Credentials;
import dev.shoal.testsupport.Publisher;
import dev.shoal.testsupport.Response;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The pipeline, publishing and rollback, over real HTTP on a real database and disk. */
class ReleasesTest extends ApiTest {

  private Credentials key;
  private Publisher builds;
  private String product;

  @BeforeEach
  void product() {
    key = Credentials.apiKey(organisations.create().keys().get(Role.RELEASE_MANAGER));
    product = "game-" + Long.toHexString(new Random().nextLong() & 0xffffffffL);
    http().post("/api/v1/products", key, ApiClient.json("slug", product, "name", "Game"));
    http().post("/api/v1/products/" + product + "/channels", key, ApiClient.json("name", "stable"));
    builds = Publisher.of(http().as(key));
  }

  private static Map<String, byte[]> build(int seed) {
    byte[] big = new byte[600_000];
    new Random(seed).nextBytes(big);
    return Map.of("bin/game", big, "readme.txt", ("v" + seed).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aReleaseBecomesReadyWithASignedManifestAndPacks() {
    JsonNode release = builds.release(product, "stable", build(1), "1.0");
    assertThat(release.get("state").asString()).as(release.toString()).isEqualTo("READY");
    assertThat(release.get("percent").asInt()).isEqualTo(100);
    assertThat(release.get("version").asLong()).isEqualTo(1);
    assertThat(release.get("fullPackBytes").asLong()).isEqualTo(600_000 + 16 + 2 + 16);
    String id = release.get("id").asString();
    byte[] envelope =
        http()
            .get("/api/v1/releases/" + id + "/manifest", key)
            .body()
            .getBytes(StandardCharsets.ISO_8859_1);
    ReleaseManifest manifest = ManifestCodec.parse(SignedEnvelope.parse(envelope).payload());
    assertThat(manifest.files())
        .extracting(f -> f.path())
        .containsExactly("bin/game", "readme.txt");
    assertThat(manifest.signingKeyId()).isEqualTo(release.get("signingKeyId").asString());

    JsonNode second = builds.release(product, "stable", build(2), "2.0");
    assertThat(second.get("version").asLong()).isEqualTo(2);
    assertThat(second.get("deltaPackBytes").asLong()).isPositive();

    // v3 differs from v2 only in its readme: deltaPackBytes is what a device one release behind
    // fetches (the delta from v2), not the sum of the deltas from v2 and v1.
    Map<String, byte[]> v3 = new java.util.HashMap<>(build(2));
    v3.put("readme.txt", "v3".getBytes(StandardCharsets.UTF_8));
    JsonNode third = builds.release(product, "stable", v3, "3.0");
    JsonNode deltas =
        http().get("/api/v1/releases/" + third.get("id").asString() + "/deltas", key).json();
    assertThat(deltas.size()).isEqualTo(2);
    assertThat(deltas.get(0).get("fromVersion").asLong()).isEqualTo(2);
    assertThat(deltas.get(1).get("fromVersion").asLong()).isEqualTo(1);
    assertThat(third.get("deltaPackBytes").asLong())
        .isEqualTo(deltas.get(0).get("bytes").asLong())
        .isEqualTo(2 + 16);
    assertThat(deltas.get(1).get("bytes").asLong()).isGreaterThan(600_000);
  }

  @Test
  void aFailedStepLeavesNothingPublished() throws Exception {
    // The releases directory of this product is a file: moving the built release into place fails.
    Path releases = DATA_DIR.resolve("releases");
    Files.createDirectories(releases);
    Path blocker = releases.resolve(product);
    Files.writeString(blocker, "in the way");
    JsonNode failed =
        builds.awaitFinished(
            builds.requestRelease(product, "stable", builds.upload(product, build(3)), "1.0"));
    assertThat(failed.get("state").asString()).isEqualTo("FAILED");
    assertThat(failed.get("error").asString()).isNotBlank();
    assertThat(failed.get("version").isNull()).isTrue();
    assertThat(
            http()
                .get("/api/v1/releases/" + failed.get("id").asString() + "/manifest", key)
                .status())
        .isEqualTo(404);
    try (Stream<Path> staging = Files.list(releases.resolve(".staging"))) {
      assertThat(staging).as("no half-built release left").isEmpty();
    }

    Files.delete(blocker);
    JsonNode ready = builds.release(product, "stable", build(3), "1.0");
    assertThat(ready.get("version").asLong()).as("the failure used no version").isEqualTo(1);
  }

  @Test
  void publishWidenPauseAndRollBackToANewVersion() {
    String v1 = builds.release(product, "stable", build(4), "1.0").get("id").asString();
    String v2 = builds.release(product, "stable", build(5), "2.0").get("id").asString();
    assertThat(post("/api/v1/releases/" + v1 + "/publish", ApiClient.json("rollout", 100)).status())
        .isEqualTo(200);
    assertThat(post("/api/v1/releases/" + v2 + "/publish", ApiClient.json("rollout", 10)).status())
        .isEqualTo(200);
    assertThat(patch("/api/v1/releases/" + v2 + "/rollout", ApiClient.json("rollout", 5)).status())
        .as("rollouts never narrow")
        .isEqualTo(409);
    assertThat(
            patch("/api/v1/releases/" + v2 + "/rollout", ApiClient.json("rollout", 50))
                .json()
                .get("rollout")
                .asInt())
        .isEqualTo(50);
    assertThat(post("/api/v1/releases/" + v2 + "/publish", ApiClient.json("rollout", 101)).status())
        .isEqualTo(400);
    assertThat(post("/api/v1/releases/" + v2 + "/pause", "{}").json().get("paused").asBoolean())
        .isTrue();

    JsonNode rollback =
        post(
                "/api/v1/products/" + product + "/channels/stable/rollback",
                ApiClient.json("version", 1))
            .json();
    assertThat(rollback.get("version").asLong()).isEqualTo(3);
    assertThat(rollback.get("rollbackOf").asLong()).isEqualTo(1);
    assertThat(rollback.get("rollout").asInt()).isEqualTo(100);
    ReleaseManifest old = manifest(v1);
    ReleaseManifest rolled = manifest(rollback.get("id").asString());
    assertThat(rolled.version()).isEqualTo(3);
    assertThat(rolled.files()).isEqualTo(old.files());
    assertThat(rolled.fullPack().infoHash()).isEqualTo(old.fullPack().infoHash());

    JsonNode list =
        http().get("/api/v1/products/" + product + "/channels/stable/releases", key).json();
    assertThat(list.size()).isEqualTo(3);
    assertThat(list.get(0).get("version").asLong()).isEqualTo(3);

    JsonNode refreshed = post("/api/v1/releases/" + v1 + "/refresh", "{}").json();
    assertThat(refreshed.get("version").asLong()).isEqualTo(1);
    assertThat(
            post(
                    "/api/v1/products/" + product + "/channels/stable/rollback",
                    ApiClient.json("version", 9))
                .status())
        .isEqualTo(404);
  }

  @Test
  void aBadRequestIsAProblem() {
    Response missing =
        post(
            "/api/v1/products/" + product + "/channels/stable/releases",
            ApiClient.json(
                "uploadId", java.util.UUID.randomUUID().toString(), "displayVersion", "1"));
    assertThat(missing.status()).isEqualTo(404);
    String open =
        http()
            .post("/api/v1/products/" + product + "/uploads", key, "{}")
            .json()
            .get("id")
            .asString();
    Response notSealed =
        post(
            "/api/v1/products/" + product + "/channels/stable/releases",
            ApiClient.json("uploadId", open, "displayVersion", "1"));
    assertThat(notSealed.status()).isEqualTo(409);
    assertThat(notSealed.contentType()).startsWith("application/problem+json");
  }

  private ReleaseManifest manifest(String id) {
    byte[] envelope =
        http()
            .get("/api/v1/releases/" + id + "/manifest", key)
            .body()
            .getBytes(StandardCharsets.ISO_8859_1);
    return ManifestCodec.parse(SignedEnvelope.parse(envelope).payload());
  }

  private Response post(String path, String json) {
    return http().post(path, key, json);
  }

  private Response patch(String path, String json) {
    return http().send("PATCH", path, key, json, "application/json");
  }
}
