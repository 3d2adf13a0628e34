package dev.shoal.testkit.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.organisation.Organisation;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.testkit.ApiClient;
import dev.shoal.testkit.ControlPlaneFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import tools.jackson.databind.JsonNode;

/**
 * A studio: its own organisation (so its own signing key) on the real control plane, via the API.
 */
final class Publisher {
  private static final AtomicInteger ORGANISATIONS = new AtomicInteger();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** A published release as the publisher sees it, with the signed manifest devices get. */
  record Release(String id, long version, byte[] envelope, Map<String, byte[]> files) {
    ReleaseManifest manifest() {
      return ManifestCodec.parse(SignedEnvelope.parse(envelope).payload());
    }
  }

  final ControlPlaneFixture controlPlane;
  final Organisation organisation;
  final String apiKey;
  final ApiClient admin;

  private Publisher(ControlPlaneFixture controlPlane, Organisation organisation) {
    this.controlPlane = controlPlane;
    this.organisation = organisation;
    this.apiKey = controlPlane.createApiKey(organisation, Role.ADMIN);
    this.admin = controlPlane.client(apiKey);
  }

  static Publisher create(ControlPlaneFixture controlPlane, String prefix) {
    return new Publisher(
        controlPlane, controlPlane.createOrganisation(prefix + ORGANISATIONS.incrementAndGet()));
  }

  String org() {
    return organisation.slug();
  }

  void product(String slug, String... channels) {
    admin.post("/api/v1/products", Map.of("slug", slug, "name", slug)).assertSuccess();
    for (String c : channels) {
      channel(slug, c);
    }
  }

  void channel(String product, String channel) {
    admin
        .post("/api/v1/products/" + product + "/channels", Map.of("name", channel))
        .assertSuccess();
  }

  /** Uploads a build, releases it and publishes it to 100%; returns it with its signed manifest. */
  Release publish(String product, String channel, Map<String, byte[]> build, String display) {
    String upload = upload(product, build);
    String id =
        admin
            .post(
                "/api/v1/products/" + product + "/channels/" + channel + "/releases",
                Map.of("uploadId", upload, "displayVersion", display))
            .assertSuccess()
            .json()
            .get("id")
            .asString();
    Awaitility.await()
        .atMost(HostileWorld.TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              String s = admin.get("/api/v1/releases/" + id).json().get("state").asString();
              return s.equals("READY") || s.equals("FAILED");
            });
    JsonNode release = admin.get("/api/v1/releases/" + id).assertSuccess().json();
    assertThat(release.get("state").asString()).as(release.toString()).isEqualTo("READY");
    admin.post("/api/v1/releases/" + id + "/publish", Map.of("rollout", 100)).assertSuccess();
    return new Release(id, release.get("version").asLong(), envelope(id), Map.copyOf(build));
  }

  /** The signed manifest the control plane holds for a release now (after a refresh: the new). */
  byte[] envelope(String releaseId) {
    return admin
        .get("/api/v1/releases/" + releaseId + "/manifest")
        .assertSuccess()
        .body()
        .getBytes(StandardCharsets.UTF_8);
  }

  private String upload(String product, Map<String, byte[]> files) {
    String id =
        admin
            .post("/api/v1/products/" + product + "/uploads", Map.of())
            .assertSuccess()
            .json()
            .get("id")
            .asString();
    files.forEach(
        (path, content) -> {
          HttpRequest put =
              HttpRequest.newBuilder(
                      URI.create(
                          controlPlane.baseUrl()
                              + "/api/v1/uploads/"
                              + id
                              + "/files?path="
                              + URLEncoder.encode(path, StandardCharsets.UTF_8)))
                  .header("Authorization", "Bearer " + apiKey)
                  .header("Content-Type", "application/octet-stream")
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
                  .build();
          try {
            HttpResponse<String> r = HTTP.send(put, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        });
    admin.post("/api/v1/uploads/" + id + "/complete", Map.of()).assertSuccess();
    return id;
  }
}
