package dev.shoal.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import tools.jackson.databind.JsonNode;

/** Uploading builds and releasing them through the real API, for the end-to-end tests. */
final class Builds {

  private Builds() {}

  /** Deterministic pseudo-random bytes. */
  static byte[] bytes(long seed, int size) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  /** A game build of a few megabytes in a few directories. */
  static Map<String, byte[]> gameBuild() {
    Map<String, byte[]> files = new TreeMap<>();
    files.put("bin/game.exe", bytes(1, 3_000_000));
    files.put("data/levels.pak", bytes(2, 4_500_000));
    files.put("data/sounds/music.ogg", bytes(3, 1_200_000));
    files.put("config/settings.ini", "volume=7\nfullscreen=1\n".getBytes(StandardCharsets.UTF_8));
    files.put("readme.txt", bytes(4, 20_000));
    return files;
  }

  static String upload(
      ApiClient client, String baseUrl, String apiKey, String product, Map<String, byte[]> files) {
    String id =
        client
            .post("/api/v1/products/" + product + "/uploads", Map.of())
            .assertSuccess()
            .json()
            .get("id")
            .asString();
    files.forEach((path, content) -> put(baseUrl, apiKey, id, path, content, 0, content.length));
    client.post("/api/v1/uploads/" + id + "/complete", Map.of()).assertSuccess();
    return id;
  }

  /** Sends bytes [from, to) of a file with a Content-Range header. */
  static ApiClient.Response put(
      String baseUrl,
      String apiKey,
      String uploadId,
      String path,
      byte[] content,
      int from,
      int to) {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    baseUrl
                        + "/api/v1/uploads/"
                        + uploadId
                        + "/files?path="
                        + URLEncoder.encode(path, StandardCharsets.UTF_8)))
            .header("Authorization", "Bearer " + apiKey)
            .header("Content-Type", "application/octet-stream")
            .header("Content-Range", "bytes " + from + "-" + (to - 1) + "/" + content.length)
            .PUT(HttpRequest.BodyPublishers.ofByteArray(content, from, to - from))
            .build();
    return ApiClient.anonymous(baseUrl).send(request).assertSuccess();
  }

  /** Starts a release of an upload and waits for READY; returns its final state. */
  static JsonNode release(
      ApiClient client, String product, String channel, String uploadId, String displayVersion) {
    String id =
        client
            .post(
                "/api/v1/products/" + product + "/channels/" + channel + "/releases",
                Map.of("uploadId", uploadId, "displayVersion", displayVersion))
            .assertSuccess()
            .json()
            .get("id")
            .asString();
    Awaitility.await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              String state = client.get("/api/v1/releases/" + id).json().get("state").asString();
              return state.equals("READY") || state.equals("FAILED");
            });
    JsonNode release = client.get("/api/v1/releases/" + id).assertSuccess().json();
    assertThat(release.get("state").asString()).as(release.toString()).isEqualTo("READY");
    return release;
  }
}
