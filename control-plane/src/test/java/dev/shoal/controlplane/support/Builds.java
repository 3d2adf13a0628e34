package dev.shoal.controlplane.support;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import tools.jackson.databind.JsonNode;

/** Uploading small builds and running releases through the real API. */
public final class Builds {

  private final Http http;
  private final Http.Credentials key;

  public Builds(Http http, Http.Credentials key) {
    this.http = http;
    this.key = key;
  }

  public String upload(String product, Map<String, byte[]> files) {
    String id =
        http.post("/api/v1/products/" + product + "/uploads", key, "{}")
            .json()
            .get("id")
            .asString();
    files.forEach(
        (path, content) ->
            http.send(
                key.apply(
                        http.request(
                            "/api/v1/uploads/"
                                + id
                                + "/files?path="
                                + URLEncoder.encode(path, StandardCharsets.UTF_8)))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
                    .build()));
    JsonNode sealed = http.post("/api/v1/uploads/" + id + "/complete", key, "{}").json();
    if (!"SEALED".equals(sealed.path("state").asString())) {
      throw new AssertionError("Upload not sealed: " + sealed);
    }
    return id;
  }

  /** Starts a release and returns its id without waiting. */
  public String start(String product, String channel, String uploadId, String displayVersion) {
    Http.Response response =
        http.post(
            "/api/v1/products/" + product + "/channels/" + channel + "/releases",
            key,
            Http.json("uploadId", uploadId, "displayVersion", displayVersion));
    if (response.status() != 202) {
      throw new AssertionError("HTTP " + response.status() + ": " + response.body());
    }
    return response.json().get("id").asString();
  }

  /** Waits until the run is READY or FAILED and returns it. */
  public JsonNode finished(String releaseId) {
    Awaitility.await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> state(releaseId).matches("READY|FAILED"));
    return http.get("/api/v1/releases/" + releaseId, key).json();
  }

  public String state(String releaseId) {
    return http.get("/api/v1/releases/" + releaseId, key).json().get("state").asString();
  }

  public JsonNode release(
      String product, String channel, Map<String, byte[]> files, String version) {
    return finished(start(product, channel, upload(product, files), version));
  }
}
