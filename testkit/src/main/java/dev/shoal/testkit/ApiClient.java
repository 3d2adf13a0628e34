package dev.shoal.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real HTTP client for the control plane's JSON API, authenticated with one API key, one
 * dashboard session, or nothing. Does not follow redirects and keeps no cookies, so tests see
 * exactly what the server sent.
 */
public final class ApiClient {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final String baseUrl;
  private final UnaryOperator<HttpRequest.Builder> credentials;

  private ApiClient(String baseUrl, UnaryOperator<HttpRequest.Builder> credentials) {
    this.baseUrl = baseUrl;
    this.credentials = credentials;
  }

  static ApiClient anonymous(String baseUrl) {
    return new ApiClient(baseUrl, request -> request);
  }

  static ApiClient withApiKey(String baseUrl, String apiKey) {
    return new ApiClient(baseUrl, request -> request.header("Authorization", "Bearer " + apiKey));
  }

  /**
   * Signs in with the dashboard's form as its JavaScript does: the XSRF-TOKEN cookie from a first
   * request, then the form with that token in X-XSRF-TOKEN. The client then sends the session
   * cookie and the CSRF header, as the dashboard does.
   */
  static ApiClient signedIn(String baseUrl, String username, String password) {
    ApiClient anonymous = anonymous(baseUrl);
    String xsrf = cookie(anonymous.get("/login"), "XSRF-TOKEN");
    String form =
        "username="
            + URLEncoder.encode(username, StandardCharsets.UTF_8)
            + "&password="
            + URLEncoder.encode(password, StandardCharsets.UTF_8);
    Response login =
        anonymous.send(
            HttpRequest.newBuilder(URI.create(baseUrl + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", "XSRF-TOKEN=" + xsrf)
                .header("X-XSRF-TOKEN", xsrf)
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build());
    if (login.status() != 302
        || login.headers().firstValue("Location").orElse("").contains("error")) {
      throw new AssertionError("Sign-in of " + username + " failed: HTTP " + login.status());
    }
    String session = cookie(login, "JSESSIONID");
    String token = cookie(login, "XSRF-TOKEN");
    return new ApiClient(
        baseUrl,
        request ->
            request
                .header("Cookie", "JSESSIONID=" + session + "; XSRF-TOKEN=" + token)
                .header("X-XSRF-TOKEN", token));
  }

  private static String cookie(Response response, String name) {
    return response.headers().allValues("Set-Cookie").stream()
        .filter(c -> c.startsWith(name + "=") && !c.startsWith(name + "=;"))
        .map(c -> c.substring(name.length() + 1).split(";", 2)[0])
        .reduce((first, last) -> last)
        .orElseThrow(() -> new AssertionError("No " + name + " cookie in the response"));
  }

  /** A response: status, headers and body, with the body parsed as JSON on demand. */
  public record Response(int status, HttpHeaders headers, String body) {
    public JsonNode json() {
      return JSON.readTree(body);
    }

    /** Fails with the body in the message unless the status is 2xx; returns this. */
    public Response assertSuccess() {
      if (status < 200 || status > 299) {
        throw new AssertionError("HTTP " + status + ": " + body);
      }
      return this;
    }
  }

  public Response get(String path) {
    return send("GET", path, null);
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
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .header("Accept", "application/json")
            .method(
                method,
                jsonBody == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8));
    if (jsonBody != null) {
      request.header("Content-Type", "application/json");
    }
    return send(credentials.apply(request).build());
  }

  /** For requests this class has no shortcut for; adds nothing to them. */
  public Response send(HttpRequest request) {
    try {
      HttpResponse<String> response =
          HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Response(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted", e);
    }
  }
}
