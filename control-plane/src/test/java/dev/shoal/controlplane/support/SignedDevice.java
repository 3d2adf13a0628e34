package dev.shoal.controlplane.support;

import dev.shoal.protocol.crypto.X25519;
import dev.shoal.protocol.signing.Ed25519;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A device for control-plane tests: its own Ed25519 and X25519 keys, signing requests the way the
 * edge agent does (edge-agent README, "Request signing"). testkit's TestDevice uses the agent's own
 * code; this module cannot depend on the agent.
 */
public final class SignedDevice {

  private final Http http;
  private final KeyPair signing = Ed25519.generate();
  private final KeyPair agreement = X25519.generate();
  private final String deviceId;
  private String passkey;

  public SignedDevice(Http http) {
    this.http = http;
    this.deviceId =
        "d-" + HexFormat.of().formatHex(sha256(Ed25519.rawPublicKey(signing.getPublic())), 0, 16);
  }

  public String id() {
    return deviceId;
  }

  public String passkey() {
    return passkey;
  }

  /** Enrols in the organisation; fails the test if refused. */
  public SignedDevice enrol(String organisation) {
    return enrol(organisation, Instant.now());
  }

  /**
   * Enrols with a request signed as of {@code signedAt}: a re-enrolment within the same second
   * needs another timestamp, or it is refused as a replay.
   */
  public SignedDevice enrol(String organisation, Instant signedAt) {
    String body =
        Http.json(
            "organisation",
            organisation,
            "signingPublicKey",
            b64(Ed25519.rawPublicKey(signing.getPublic())),
            "agreementPublicKey",
            b64(X25519.rawPublicKey(agreement.getPublic())));
    Http.Response response = send("POST", "/api/v1/device/enrol", body, signedAt);
    if (response.status() != 201) {
      throw new AssertionError("enrolment refused: " + response.status() + " " + response.body());
    }
    passkey = response.json().get("passkey").asString();
    return this;
  }

  public Http.Response post(String path, String json) {
    return send("POST", path, json, Instant.now());
  }

  public Http.Response get(String path) {
    return send("GET", path, null, Instant.now());
  }

  /** A request signed as of {@code signedAt} (a resent POST needs another signature). */
  public Http.Response send(String method, String path, String json, Instant signedAt) {
    byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
    String timestamp = Long.toString(signedAt.getEpochSecond());
    String toSign =
        String.join(
            "\n",
            "SHOAL-REQ-V1",
            deviceId,
            method,
            path,
            timestamp,
            HexFormat.of().formatHex(sha256(body)));
    byte[] signature = Ed25519.sign(signing.getPrivate(), toSign.getBytes(StandardCharsets.UTF_8));
    HttpRequest.Builder request =
        http.request(path)
            .header("Accept", "application/json")
            .header("X-Shoal-Device", deviceId)
            .header("X-Shoal-Timestamp", timestamp)
            .header("X-Shoal-Signature", b64(signature))
            .method(
                method,
                body.length == 0
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (body.length > 0) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build());
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
