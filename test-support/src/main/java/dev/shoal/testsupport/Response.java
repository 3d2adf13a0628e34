package dev.shoal.testsupport;

import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A response as the server sent it: status, headers and the body as bytes (torrents and packs are
 * binary), read as text or JSON on demand.
 */
public record Response(int status, HttpHeaders headers, byte[] bytes) {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The body as UTF-8 text. */
  public String body() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  public JsonNode json() {
    return JSON.readTree(bytes);
  }

  /** Fails with the body in the message unless the status is 2xx; returns this. */
  public Response assertSuccess() {
    if (status < 200 || status > 299) {
      throw new AssertionError("HTTP " + status + ": " + body());
    }
    return this;
  }

  public String contentType() {
    return headers.firstValue("Content-Type").orElse("");
  }

  public List<String> setCookies() {
    return headers.allValues("Set-Cookie");
  }

  /** The last non-empty value the response set for cookie {@code name}. */
  public Optional<String> cookie(String name) {
    return setCookies().stream()
        .filter(c -> c.startsWith(name + "="))
        .map(c -> c.substring(name.length() + 1).split(";", 2)[0])
        .filter(v -> !v.isEmpty())
        .reduce((first, last) -> last);
  }
}
