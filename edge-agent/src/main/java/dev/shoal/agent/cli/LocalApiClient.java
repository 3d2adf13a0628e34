package dev.shoal.agent.cli;

import dev.shoal.agent.json.Json;
import dev.shoal.agent.localapi.LocalApiFile;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;

/** Talks to the running agent with the token from its owner-only local-api.json. */
final class LocalApiClient {
  private final LocalApiFile api;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  private LocalApiClient(LocalApiFile api) {
    this.api = api;
  }

  static LocalApiClient connect(Path localApiFile) {
    LocalApiFile api =
        LocalApiFile.read(localApiFile)
            .orElseThrow(
                () ->
                    new CliException(
                        CliException.NOT_RUNNING,
                        "the Shoal agent is not running (no "
                            + localApiFile
                            + "); start it with"
                            + " 'shoal-agent run'"));
    return new LocalApiClient(api);
  }

  String baseUrl() {
    return api.baseUrl();
  }

  JsonNode get(String path) {
    return send("GET", path, null);
  }

  <T> T get(String path, Class<T> type) {
    return convert(get(path), type);
  }

  JsonNode post(String path, Object body) {
    return send("POST", path, body);
  }

  JsonNode put(String path, Object body) {
    return send("PUT", path, body);
  }

  /** The CLI ships with the agent, but tolerate newer fields anyway. */
  static <T> T convert(JsonNode node, Class<T> type) {
    return Json.MAPPER
        .readerFor(type)
        .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .readValue(node);
  }

  private JsonNode send(String method, String path, Object body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(api.baseUrl() + path))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + api.token());
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .method(
              method, HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body)));
    }
    HttpResponse<byte[]> resp;
    try {
      resp = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (ConnectException e) {
      throw new CliException(
          CliException.NOT_RUNNING,
          "the Shoal agent is not running (nothing listens on " + api.baseUrl() + ")");
    } catch (IOException e) {
      throw new CliException(CliException.OTHER, "cannot talk to the agent: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(CliException.OTHER, "interrupted");
    }
    return parse(resp);
  }

  private static JsonNode parse(HttpResponse<byte[]> resp) {
    JsonNode node =
        resp.body().length == 0 ? Json.MAPPER.nullNode() : Json.MAPPER.readTree(resp.body());
    if (resp.statusCode() >= 400) {
      String detail =
          node.path("detail").asString(node.path("title").asString("HTTP " + resp.statusCode()));
      int exit = resp.statusCode() < 500 ? CliException.REFUSED : CliException.OTHER;
      throw new CliException(exit, "the agent refused: " + detail);
    }
    return node;
  }
}
