package dev.shoal.testsupport;

import dev.shoal.protocol.crypto.X25519;
import dev.shoal.protocol.signing.Ed25519;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * A device talking to the control plane: every request signed the way the edge agent signs it
 * (edge-agent README, "Request signing"). Its keys are made here, or are the agent's own identity
 * (testkit's {@code AgentDevices}), so tests also prove the control plane accepts what the real
 * agent sends.
 */
public final class Device {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final SecureRandom NONCES = new SecureRandom();

  private final String baseUrl;
  private final Keys keys;
  private String passkey;

  private Device(String baseUrl, Keys keys) {
    this.baseUrl = baseUrl;
    this.keys = keys;
  }

  /** Signs a request: the three signature headers for it as of {@code signedAt}. */
  @FunctionalInterface
  public interface Signer {
    Map<String, String> sign(String method, URI uri, byte[] body, Instant signedAt);
  }

  /**
   * A device's identity: its id, the public keys it enrols with (raw 32 bytes, base64url without
   * padding), the X25519 private key that unwraps content keys, and how it signs.
   */
  public record Keys(
      String deviceId,
      String signingPublicKey,
      String agreementPublicKey,
      PrivateKey agreementPrivateKey,
      Signer signer) {}

  /** A new device with new keys of its own. */
  public static Device create(String baseUrl) {
    return new Device(baseUrl, generatedKeys());
  }

  /** A device with these keys (e.g. the agent's own identity). */
  public static Device create(String baseUrl, Keys keys) {
    return new Device(baseUrl, keys);
  }

  public String deviceId() {
    return keys.deviceId();
  }

  /** Its keys: the public ones it enrols with, the private one that unwraps content keys. */
  public Keys keys() {
    return keys;
  }

  public Response enrol(String organisation) {
    return enrol(organisation, "");
  }

  public Response enrol(String organisation, String region) {
    return enrol(organisation, region, Instant.now());
  }

  /**
   * Enrols with a request signed as of {@code signedAt}: a re-enrolment within the same second
   * needs another timestamp, or it is refused as a replay.
   */
  public Response enrol(String organisation, String region, Instant signedAt) {
    byte[] body =
        JSON.writeValueAsBytes(
            Map.of(
                "organisation",
                organisation,
                "signingPublicKey",
                keys.signingPublicKey(),
                "agreementPublicKey",
                keys.agreementPublicKey(),
                "region",
                region));
    Response response = send("POST", "/api/v1/device/enrol", body, signedAt);
    if (response.status() == 201) {
      passkey = response.json().get("passkey").asString();
    }
    return response;
  }

  /** Enrols in the organisation; fails the test if refused. */
  public Device enrolled(String organisation) {
    Response response = enrol(organisation);
    if (response.status() != 201) {
      throw new AssertionError("enrolment refused: " + response.status() + " " + response.body());
    }
    return this;
  }

  /** Set by a successful {@link #enrol}. */
  public String passkey() {
    return passkey;
  }

  /** The tracker's announce URL with this device's passkey (after a successful enrolment). */
  public String announceUrl() {
    return baseUrl + "/" + passkey + "/announce";
  }

  public Response get(String path) {
    return send("GET", path, new byte[0]);
  }

  /** POSTs {@code json} (any object Jackson can write) as JSON. */
  public Response post(String path, Object json) {
    return send("POST", path, JSON.writeValueAsBytes(json));
  }

  /** POSTs JSON text as it is. */
  public Response post(String path, String json) {
    return send("POST", path, json.getBytes(StandardCharsets.UTF_8));
  }

  /** Reports a finished download to the control plane's telemetry, as the agent does. */
  public Response reportDownload(
      String releaseId,
      long fromPeers,
      long fromOrigin,
      long uploaded,
      long durationMs,
      String result) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("releaseId", releaseId);
    report.put("bytesFromPeers", fromPeers);
    report.put("bytesFromOrigin", fromOrigin);
    report.put("bytesUploaded", uploaded);
    report.put("durationMs", durationMs);
    report.put("result", result);
    return post("/api/v1/device/telemetry", report);
  }

  /** A request signed now. */
  public Response send(String method, String path, byte[] body) {
    return send(method, path, body, Instant.now());
  }

  /**
   * A request signed as of {@code signedAt} (for clock-skew tests; a resent POST needs another).
   */
  public Response send(String method, String path, byte[] body, Instant signedAt) {
    URI uri = URI.create(baseUrl + path);
    return ApiClient.exchange(
        request(method, uri, body, keys.signer().sign(method, uri, body, signedAt)));
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
    return keys.signer().sign(method, uri, body, Instant.now());
  }

  /** New keys, signing as the edge agent's README specifies. */
  private static Keys generatedKeys() {
    KeyPair signing = Ed25519.generate();
    KeyPair agreement = X25519.generate();
    String deviceId =
        "d-" + HexFormat.of().formatHex(sha256(Ed25519.rawPublicKey(signing.getPublic())), 0, 16);
    Signer signer =
        (method, uri, body, signedAt) -> {
          String time = Long.toString(signedAt.getEpochSecond());
          String query = uri.getRawQuery();
          String target = query == null ? uri.getRawPath() : uri.getRawPath() + "?" + query;
          String verb = method.toUpperCase(Locale.ROOT);
          String hash = HexFormat.of().formatHex(sha256(body));
          byte[] random = new byte[16];
          NONCES.nextBytes(random);
          String nonce = b64(random);
          String toSign =
              String.join("\n", "SHOAL-REQ-V2", deviceId, verb, target, time, nonce, hash);
          byte[] signature =
              Ed25519.sign(signing.getPrivate(), toSign.getBytes(StandardCharsets.UTF_8));
          return Map.of(
              "X-Shoal-Device", deviceId,
              "X-Shoal-Timestamp", time,
              "X-Shoal-Nonce", nonce,
              "X-Shoal-Signature", b64(signature));
        };
    return new Keys(
        deviceId,
        b64(Ed25519.rawPublicKey(signing.getPublic())),
        b64(X25519.rawPublicKey(agreement.getPublic())),
        agreement.getPrivate(),
        signer);
  }

  private static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
