package dev.shoal.testkit;

import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.identity.DeviceIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A device as the edge agent is one: the agent's own {@link DeviceIdentity} (keys in a data
 * directory) signs every request, so these tests also prove the control plane accepts what the real
 * agent sends.
 */
public final class TestDevice {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final String baseUrl;
  private final DeviceIdentity identity;
  private String passkey;

  private TestDevice(String baseUrl, DeviceIdentity identity) {
    this.baseUrl = baseUrl;
    this.identity = identity;
  }

  /** A new device with its keys in {@code dataDir} (created if needed). */
  public static TestDevice create(String baseUrl, Path dataDir) {
    return new TestDevice(baseUrl, DeviceIdentity.loadOrCreate(DataDir.open(dataDir)));
  }

  /** A response with its body as bytes (torrents and packs are binary). */
  public record Response(int status, HttpHeaders headers, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public JsonNode json() {
      return JSON.readTree(body);
    }

    public Response assertSuccess() {
      if (status < 200 || status > 299) {
        throw new AssertionError("HTTP " + status + ": " + text());
      }
      return this;
    }
  }

  public String deviceId() {
    return identity.deviceId();
  }

  /** Set by a successful {@link #enrol}. */
  public String passkey() {
    return passkey;
  }

  public PrivateKey agreementPrivateKey() {
    return identity.agreementPrivateKey();
  }

  public Response enrol(String organisation) {
    return enrol(organisation, "");
  }

  public Response enrol(String organisation, String region) {
    String body =
        JSON.writeValueAsString(
            Map.of(
                "organisation",
                organisation,
                "signingPublicKey",
                identity.signingPublicKey(),
                "agreementPublicKey",
                identity.agreementPublicKey(),
                "region",
                region));
    Response response = send("POST", "/api/v1/device/enrol", body.getBytes(StandardCharsets.UTF_8));
    if (response.status() == 201) {
      passkey = response.json().get("passkey").asString();
    }
    return response;
  }

  public Response get(String path) {
    return send("GET", path, new byte[0]);
  }

  public Response post(String path, Object json) {
    return send("POST", path, JSON.writeValueAsBytes(json));
  }

  /** A request signed now. */
  public Response send(String method, String path, byte[] body) {
    return send(method, path, body, Instant.now());
  }

  /** A request signed as of {@code signedAt} (for clock-skew tests). */
  public Response send(String method, String path, byte[] body, Instant signedAt) {
    URI uri = URI.create(baseUrl + path);
    return send(request(method, uri, body, identity.signRequest(method, uri, body, signedAt)));
  }

  /** The request with the given headers, e.g. tampered ones. */
  public HttpRequest request(String method, URI uri, byte[] body, Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .header("Accept", "application/json")
            .method(
                method,
                body.length == 0
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (body.length > 0) {
      request.header("Content-Type", "application/json");
    }
    headers.forEach(request::header);
    return request.build();
  }

  /** The signature headers the agent would send for this request. */
  public Map<String, String> signatureHeaders(String method, URI uri, byte[] body) {
    return identity.signRequest(method, uri, body, Instant.now());
  }

  /** Sends a request as is, without signing it. */
  public static Response send(HttpRequest request) {
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
