package dev.shoal.controlplane.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small real-HTTP client for tests: no cookie store, no redirects followed, so tests see all. */
public final class Http {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final HttpClient client = HttpClient.newHttpClient();
  private final String baseUrl;

  public Http(int port) {
    this.baseUrl = "http://localhost:" + port;
  }

  /** How a request proves who it is. */
  public interface Credentials {
    HttpRequest.Builder apply(HttpRequest.Builder request);

    Credentials NONE = r -> r;

    static Credentials apiKey(String token) {
      return r -> r.header("Authorization", "Bearer " + token);
    }
  }

  /** A dashboard session: its cookie plus the CSRF token the dashboard's JavaScript would send. */
  public record Session(String sessionId, String xsrf) implements Credentials {
    @Override
    public HttpRequest.Builder apply(HttpRequest.Builder request) {
      return request
          .header("Cookie", "JSESSIONID=" + sessionId + "; XSRF-TOKEN=" + xsrf)
          .header("X-XSRF-TOKEN", xsrf);
    }

    /** The same session, without the CSRF header (as a forged cross-site request would be). */
    public Credentials withoutCsrfHeader() {
      return r -> r.header("Cookie", "JSESSIONID=" + sessionId + "; XSRF-TOKEN=" + xsrf);
    }
  }

  public record Response(int status, java.net.http.HttpHeaders headers, String body) {
    public JsonNode json() {
      return JSON.readTree(body);
    }

    public String contentType() {
      return headers.firstValue("Content-Type").orElse("");
    }

    public List<String> setCookies() {
      return headers.allValues("Set-Cookie");
    }

    public Optional<String> cookie(String name) {
      return setCookies().stream()
          .filter(c -> c.startsWith(name + "="))
          .map(
              c -> c.substring(name.length() + 1, c.indexOf(';') < 0 ? c.length() : c.indexOf(';')))
          .filter(v -> !v.isEmpty())
          .reduce((first, last) -> last);
    }
  }

  public Response get(String path, Credentials credentials) {
    return send("GET", path, credentials, null, "application/json");
  }

  public Response post(String path, Credentials credentials, String json) {
    return send("POST", path, credentials, json, "application/json");
  }

  public Response send(
      String method, String path, Credentials credentials, String body, String contentType) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Accept", "application/json");
    HttpRequest.BodyPublisher publisher =
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
    if (body != null) {
      request.header("Content-Type", contentType);
    }
    return send(credentials.apply(request.method(method, publisher)).build());
  }

  public Response send(HttpRequest request) {
    try {
      HttpResponse<String> response =
          client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Response(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(baseUrl + path));
  }

  /**
   * Signs in as the dashboard does: fetch a page to get the XSRF-TOKEN cookie, then post the form
   * with the token in X-XSRF-TOKEN.
   */
  public Session signIn(String username, String password) {
    Response page = send(request("/login").header("Accept", "text/html").GET().build());
    String xsrf = page.cookie("XSRF-TOKEN").orElseThrow(() -> new AssertionError("no XSRF-TOKEN"));
    String form =
        Map.of("username", username, "password", password).entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    Response login =
        send(
            request("/login")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", "XSRF-TOKEN=" + xsrf)
                .header("X-XSRF-TOKEN", xsrf)
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build());
    String location = login.headers().firstValue("Location").orElse("");
    if (login.status() != 302 || location.contains("error")) {
      throw new AssertionError("sign-in failed: " + login.status() + " " + location);
    }
    return new Session(
        login.cookie("JSESSIONID").orElseThrow(), login.cookie("XSRF-TOKEN").orElseThrow());
  }

  public static String json(Object... keysAndValues) {
    Map<String, Object> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return JSON.writeValueAsString(map);
  }
}
