package dev.shoal.testsupport;

import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.signing.SignedEnvelope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A studio publishing through the real API of any control plane, with one API key: products and
 * channels, uploads (files, archives, folders streamed from disk), releases awaited until READY,
 * rollouts, and the signed manifest devices get.
 */
public final class Publisher {
  public static final Duration TIMEOUT = Duration.ofMinutes(2);
  private static final Duration POLL = Duration.ofMillis(100);

  /** How a build goes up: file by file, or as one archive the control plane unpacks. */
  public enum Packaging {
    FILES,
    ZIP,
    TAR_GZ
  }

  /** A published release as the publisher sees it, with the signed manifest devices get. */
  public record Release(String id, long version, byte[] envelope, Map<String, byte[]> files) {
    public ReleaseManifest manifest() {
      return ManifestCodec.parse(SignedEnvelope.parse(envelope).payload());
    }

    /** The info hash of the release's full pack (what agents announce to the tracker). */
    public String fullPackInfoHash() {
      return manifest().fullPack().infoHash();
    }
  }

  private final ApiClient api;

  private Publisher(ApiClient api) {
    this.api = api;
  }

  /** A publisher with this API key (one that may publish) on the control plane at baseUrl. */
  public static Publisher of(String baseUrl, String apiKey) {
    return of(ApiClient.withApiKey(baseUrl, apiKey));
  }

  /** A publisher sending every request with the credentials of this client. */
  public static Publisher of(ApiClient api) {
    return new Publisher(api);
  }

  /** The client with this publisher's credentials, for requests this class has no shortcut for. */
  public ApiClient api() {
    return api;
  }

  /** The slug of the organisation this publisher's credentials belong to. */
  public String organisation() {
    return api.get("/api/v1/me").assertSuccess().json().get("organisation").get("slug").asString();
  }

  /** Creates a product (named as its slug) with these channels. */
  public Publisher product(String slug, String... channels) {
    api.post("/api/v1/products", Map.of("slug", slug, "name", slug)).assertSuccess();
    for (String channel : channels) {
      channel(slug, channel);
    }
    return this;
  }

  public Publisher channel(String product, String channel) {
    api.post("/api/v1/products/" + product + "/channels", Map.of("name", channel)).assertSuccess();
    return this;
  }

  /** Entitles a device to a product (fails the test unless 201 Created); returns the grant's id. */
  public String entitle(String product, String deviceId) {
    Response granted =
        api.post("/api/v1/products/" + product + "/entitlements", Map.of("deviceId", deviceId));
    if (granted.status() != 201) {
      throw new AssertionError("HTTP " + granted.status() + ": " + granted.body());
    }
    return granted.json().get("id").asString();
  }

  /**
   * Uploads a build, releases it, waits for READY and publishes it to 100% of the channel; returns
   * it with its signed manifest.
   */
  public Release publish(
      String product, String channel, Map<String, byte[]> build, String displayVersion) {
    return publish(product, channel, build, displayVersion, 100, Packaging.FILES);
  }

  /** The same with another rollout percentage and packaging. */
  public Release publish(
      String product,
      String channel,
      Map<String, byte[]> build,
      String displayVersion,
      int rollout,
      Packaging packaging) {
    String upload =
        switch (packaging) {
          case FILES -> upload(product, build);
          case ZIP -> uploadArchive(product, GameBuilds.zip(build));
          case TAR_GZ -> uploadArchive(product, GameBuilds.tarGz(build));
        };
    JsonNode release = release(product, channel, upload, displayVersion);
    String id = release.get("id").asString();
    publish(id, rollout);
    return new Release(id, release.get("version").asLong(), envelope(id), Map.copyOf(build));
  }

  /** Uploads a build and releases it (READY), without publishing it. */
  public JsonNode release(
      String product, String channel, Map<String, byte[]> build, String displayVersion) {
    return release(product, channel, upload(product, build), displayVersion);
  }

  /** Starts a release of an upload and waits for READY (fails the test if it FAILED). */
  public JsonNode release(String product, String channel, String uploadId, String displayVersion) {
    return awaitReady(requestRelease(product, channel, uploadId, displayVersion));
  }

  /** Asks for a release of an upload (the pipeline starts: 202); returns the release id. */
  public String requestRelease(
      String product, String channel, String uploadId, String displayVersion) {
    Response response =
        api.post(
            "/api/v1/products/" + product + "/channels/" + channel + "/releases",
            Map.of("uploadId", uploadId, "displayVersion", displayVersion));
    if (response.status() != 202) {
      throw new AssertionError("HTTP " + response.status() + ": " + response.body());
    }
    return response.json().get("id").asString();
  }

  /** Waits until the release is READY or FAILED and returns it. */
  public JsonNode awaitFinished(String releaseId) {
    return awaitFinished(releaseId, TIMEOUT, POLL, new LinkedHashMap<>());
  }

  public JsonNode awaitReady(String releaseId) {
    return awaitReady(releaseId, TIMEOUT, POLL, new LinkedHashMap<>());
  }

  /**
   * Polls every {@code poll} until READY (returned) or FAILED (an AssertionError), noting in {@code
   * firstSeen} when (System.nanoTime) each state was first seen.
   */
  public JsonNode awaitReady(
      String releaseId, Duration timeout, Duration poll, Map<String, Long> firstSeen) {
    JsonNode release = awaitFinished(releaseId, timeout, poll, firstSeen);
    if (!release.get("state").asString().equals("READY")) {
      throw new AssertionError("release failed: " + release);
    }
    return release;
  }

  private JsonNode awaitFinished(
      String releaseId, Duration timeout, Duration poll, Map<String, Long> firstSeen) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode release = api.get("/api/v1/releases/" + releaseId).assertSuccess().json();
      String state = release.get("state").asString();
      firstSeen.putIfAbsent(state, System.nanoTime());
      if (state.equals("READY") || state.equals("FAILED")) {
        return release;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("release not finished after " + timeout + ": " + release);
      }
      sleep(poll);
    }
  }

  /** Publishes a READY release (or widens its rollout) to {@code rollout} percent of devices. */
  public void publish(String releaseId, int rollout) {
    api.post("/api/v1/releases/" + releaseId + "/publish", Map.of("rollout", rollout))
        .assertSuccess();
  }

  /** The signed manifest the control plane holds for a release now (after a refresh: the new). */
  public byte[] envelope(String releaseId) {
    return api.get("/api/v1/releases/" + releaseId + "/manifest").assertSuccess().bytes();
  }

  /** Uploads the files of a build one by one and completes the upload; returns its id. */
  public String upload(String product, Map<String, byte[]> files) {
    String id = newUpload(product);
    files.forEach((path, content) -> put(id, path, content, 0, content.length).assertSuccess());
    return complete(id);
  }

  /** Uploads every regular file under {@code dir}, streamed from disk; returns the upload id. */
  public String upload(String product, Path dir) {
    String id = newUpload(product);
    for (Path file : GameBuilds.regularFiles(dir)) {
      String path = dir.relativize(file).toString().replace('\\', '/');
      try {
        long size = Files.size(file);
        send(filesRequest(id, path)
                .header("Content-Range", "bytes 0-" + (size - 1) + "/" + size)
                .PUT(HttpRequest.BodyPublishers.ofFile(file)))
            .assertSuccess();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return complete(id);
  }

  /** Uploads a zip or tar.gz the control plane unpacks; returns the upload id. */
  public String uploadArchive(String product, byte[] archive) {
    String id = newUpload(product);
    send(api.request("/api/v1/uploads/" + id + "/archive")
            .header("Content-Type", "application/octet-stream")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(archive)))
        .assertSuccess();
    return complete(id);
  }

  /** Starts an upload of a product; returns its id. */
  public String newUpload(String product) {
    return api.post("/api/v1/products/" + product + "/uploads", Map.of())
        .assertSuccess()
        .json()
        .get("id")
        .asString();
  }

  /** Sends bytes [from, to) of a file of an upload with a Content-Range header. */
  public Response put(String uploadId, String path, byte[] content, int from, int to) {
    return send(
        filesRequest(uploadId, path)
            .header("Content-Range", "bytes " + from + "-" + (to - 1) + "/" + content.length)
            .PUT(HttpRequest.BodyPublishers.ofByteArray(content, from, to - from)));
  }

  /** Seals an upload (fails the test unless it is SEALED then); returns its id. */
  public String complete(String uploadId) {
    JsonNode sealed =
        api.post("/api/v1/uploads/" + uploadId + "/complete", Map.of()).assertSuccess().json();
    if (!"SEALED".equals(sealed.path("state").asString())) {
      throw new AssertionError("Upload not sealed: " + sealed);
    }
    return uploadId;
  }

  private HttpRequest.Builder filesRequest(String uploadId, String path) {
    return api.request(
            "/api/v1/uploads/"
                + uploadId
                + "/files?path="
                + URLEncoder.encode(path, StandardCharsets.UTF_8))
        .header("Content-Type", "application/octet-stream");
  }

  private Response send(HttpRequest.Builder request) {
    return api.send(api.credentials().apply(request).build());
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted", e);
    }
  }
}
