package dev.shoal.agent.cli;

import dev.shoal.agent.json.Json;
import dev.shoal.agent.localapi.LocalApiFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Path;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;

/** Talks to the running agent with the token from its owner-only local-api.json. */
final class LocalApiClient {
  private final LocalApiFile api;

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

  /**
   * One request over HttpURLConnection, not java.net.http: every CLI command is a fresh JVM, and
   * HttpClient starts a selector thread and loads hundreds more classes for one short request.
   */
  private JsonNode send(String method, String path, Object body) {
    try {
      HttpURLConnection c =
          (HttpURLConnection) URI.create(api.baseUrl() + path).toURL().openConnection();
      c.setConnectTimeout(3_000);
      c.setReadTimeout(10_000);
      c.setRequestMethod(method);
      c.setRequestProperty("Authorization", "Bearer " + api.token());
      if (body != null) {
        byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        c.setFixedLengthStreamingMode(bytes.length);
        try (OutputStream out = c.getOutputStream()) {
          out.write(bytes);
        }
      }
      int status = c.getResponseCode();
      InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
      byte[] response = in == null ? new byte[0] : readAll(in);
      return parse(status, response);
    } catch (ConnectException e) {
      throw new CliException(
          CliException.NOT_RUNNING,
          "the Shoal agent is not running (nothing listens on " + api.baseUrl() + ")");
    } catch (IOException e) {
      throw new CliException(CliException.OTHER, "cannot talk to the agent: " + e);
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  private static JsonNode parse(int status, byte[] body) {
    JsonNode node = body.length == 0 ? Json.MAPPER.nullNode() : Json.MAPPER.readTree(body);
    if (status >= 400) {
      String detail = node.path("detail").asString(node.path("title").asString("HTTP " + status));
      int exit = status < 500 ? CliException.REFUSED : CliException.OTHER;
      throw new CliException(exit, "the agent refused: " + detail);
    }
    return node;
  }
}
