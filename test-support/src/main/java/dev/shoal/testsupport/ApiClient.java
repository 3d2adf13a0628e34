package dev.shoal.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real HTTP client for the control plane's API, authenticated with an API key, a dashboard
 * session, or nothing: either for every request (the credentials it was made with) or per request.
 * Does not follow redirects and keeps no cookies, so tests see exactly what the server sent.
 */
public final class ApiClient {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final String baseUrl;
  private final Credentials credentials;

  private ApiClient(String baseUrl, Credentials credentials) {
    this.baseUrl = baseUrl;
    this.credentials = credentials;
  }

  /** How a request proves who it is. */
  @FunctionalInterface
  public interface Credentials {
    HttpRequest.Builder apply(HttpRequest.Builder request);

    Credentials NONE = request -> request;

    static Credentials apiKey(String token) {
      return request -> request.header("Authorization", "Bearer " + token);
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

  public static ApiClient anonymous(String baseUrl) {
    return new ApiClient(baseUrl, Credentials.NONE);
  }

  public static ApiClient withApiKey(String baseUrl, String apiKey) {
    return new ApiClient(baseUrl, Credentials.apiKey(apiKey));
  }

  /** A client with a dashboard session of this user (see {@link #signIn}). */
  public static ApiClient signedIn(String baseUrl, String username, String password) {
    return new ApiClient(baseUrl, anonymous(baseUrl).signIn(username, password));
  }

  /** A client of the same server sending other credentials. */
  public ApiClient as(Credentials other) {
    return new ApiClient(baseUrl, other);
  }

  /** A client with the same credentials for another server (e.g. a restarted one, a proxy). */
  public ApiClient at(String otherBaseUrl) {
    return new ApiClient(otherBaseUrl, credentials);
  }

  public String baseUrl() {
    return baseUrl;
  }

  /** The credentials every request of this client carries. */
  public Credentials credentials() {
    return credentials;
  }

  public Response get(String path) {
    return get(path, credentials);
  }

  /** POSTs {@code body} (any object Jackson can write, e.g. a Map or a record) as JSON. */
  public Response post(String path, Object body) {
    return send("POST", path, JSON.writeValueAsString(body));
  }

  public Response delete(String path) {
    return send("DELETE", path, null);
  }

  /** Any method, with a JSON body as text (or null for none). */
  public Response send(String method, String path, String jsonBody) {
    return send(method, path, credentials, jsonBody, "application/json");
  }

  public Response get(String path, Credentials as) {
    return send("GET", path, as, null, "application/json");
  }

  /** POSTs JSON text (e.g. from {@link #json}) with other credentials. */
  public Response post(String path, Credentials as, String json) {
    return send("POST", path, as, json, "application/json");
  }

  /** Any method with any credentials and a text body of any type (or null for none). */
  public Response send(
      String method, String path, Credentials as, String body, String contentType) {
    HttpRequest.Builder request = request(path).header("Accept", "application/json");
    HttpRequest.BodyPublisher publisher =
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
    if (body != null) {
      request.header("Content-Type", contentType);
    }
    return exchange(as.apply(request.method(method, publisher)).build());
  }

  /** For requests this class has no shortcut for; adds nothing to them. */
  public Response send(HttpRequest request) {
    return exchange(request);
  }

  /** A request builder for a path of this client's server, with no credentials yet. */
  public HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(baseUrl + path));
  }

  /**
   * Signs in with the dashboard's form as its JavaScript does: the XSRF-TOKEN cookie from a first
   * request, then the form with that token in X-XSRF-TOKEN.
   */
  public Session signIn(String username, String password) {
    Response page = exchange(request("/login").header("Accept", "text/html").GET().build());
    String xsrf = page.cookie("XSRF-TOKEN").orElseThrow(() -> new AssertionError("no XSRF-TOKEN"));
    String form =
        "username="
            + URLEncoder.encode(username, StandardCharsets.UTF_8)
            + "&password="
            + URLEncoder.encode(password, StandardCharsets.UTF_8);
    Response login =
        exchange(
            request("/login")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", "XSRF-TOKEN=" + xsrf)
                .header("X-XSRF-TOKEN", xsrf)
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build());
    String location = login.headers().firstValue("Location").orElse("");
    if (login.status() != 302 || location.contains("error")) {
      throw new AssertionError(
          "Sign-in of " + username + " failed: HTTP " + login.status() + " " + location);
    }
    return new Session(
        login.cookie("JSESSIONID").orElseThrow(), login.cookie("XSRF-TOKEN").orElseThrow());
  }

  /** A JSON object as text from keys and values, in that order. */
  public static String json(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return JSON.writeValueAsString(map);
  }

  /** Sends a request as it is. */
  public static Response exchange(HttpRequest request) {
    try {
      HttpResponse<byte[]> response = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
      return new Response(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted", e);
    }
  }
}
