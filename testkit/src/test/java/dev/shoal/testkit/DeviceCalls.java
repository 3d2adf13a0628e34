package dev.shoal.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.signing.Ed25519;
import dev.shoal.protocol.torrent.AnnounceException;
import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.protocol.torrent.AnnounceResponse;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Response;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/** What a device (or someone holding its passkey) asks of a control plane, for refusal tests. */
final class DeviceCalls {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private DeviceCalls() {}

  /** The failure reason of an announce for {@code infoHash}, or null when it succeeded. */
  static String announceFailure(String baseUrl, String passkey, String infoHash) {
    AnnounceRequest request =
        new AnnounceRequest(
            HexFormat.of().parseHex(infoHash),
            "-TK0001-abcdefghijkl".getBytes(StandardCharsets.US_ASCII),
            0,
            0,
            0,
            1,
            AnnounceRequest.Event.NONE,
            10,
            true);
    Response response =
        ApiClient.exchange(
            HttpRequest.newBuilder(URI.create(request.toUrl(baseUrl + "/" + passkey + "/announce")))
                .build());
    assertThat(response.status()).isEqualTo(200);
    try {
      return AnnounceResponse.decode(response.bytes()).failureReason();
    } catch (AnnounceException e) {
      throw new AssertionError("the tracker's answer does not decode", e);
    }
  }

  /** A request for a pack from the HTTP origin with a device's passkey. */
  static HttpRequest.Builder originRequest(String baseUrl, String passkey, String infoHash) {
    return HttpRequest.newBuilder(
        URI.create(baseUrl + "/origin/" + passkey + "/packs/" + infoHash));
  }

  static Response origin(String baseUrl, String passkey, String infoHash) {
    return ApiClient.exchange(originRequest(baseUrl, passkey, infoHash).build());
  }

  /** A publisher's entitlement token (an EdDSA JWT) naming a player and a product. */
  static String entitlementToken(KeyPair key, String player, String product, long expiresAt) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header =
        b64.encodeToString("{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    String claims =
        b64.encodeToString(
            JSON.writeValueAsBytes(Map.of("sub", player, "product", product, "exp", expiresAt)));
    String signed = header + "." + claims;
    return signed
        + "."
        + b64.encodeToString(
            Ed25519.sign(key.getPrivate(), signed.getBytes(StandardCharsets.US_ASCII)));
  }

  /** The body of {@code PUT .../entitlement-key} for this publisher key. */
  static String entitlementKey(KeyPair key) {
    return JSON.writeValueAsString(
        Map.of(
            "publicKey",
            Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(Ed25519.rawPublicKey(key.getPublic()))));
  }
}
