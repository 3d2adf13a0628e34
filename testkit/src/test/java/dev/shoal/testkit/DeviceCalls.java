package dev.shoal.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.signing.Ed25519;
import dev.shoal.protocol.torrent.AnnounceException;
import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.protocol.torrent.AnnounceResponse;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
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

  /**
   * The failure reason of an announce for {@code infoHash} sent from {@code from} (a loopback
   * address such as 127.0.0.2, so that the tracker records that address), or null when it
   * succeeded. Plain HTTP/1.1 over a socket: the JDK's client cannot choose its source address.
   */
  static String announceFailureFrom(InetAddress from, int port, String passkey, String infoHash)
      throws IOException {
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
    URI uri = URI.create(request.toUrl("http://127.0.0.1:" + port + "/" + passkey + "/announce"));
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET "
                      + uri.getRawPath()
                      + "?"
                      + uri.getRawQuery()
                      + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      byte[] all = socket.getInputStream().readAllBytes();
      String text = new String(all, StandardCharsets.ISO_8859_1);
      int bodyAt = text.indexOf("\r\n\r\n") + 4;
      assertThat(text).startsWith("HTTP/1.1 200");
      byte[] body = Arrays.copyOfRange(all, bodyAt, all.length);
      if (text.substring(0, bodyAt).toLowerCase(Locale.ROOT).contains("chunked")) {
        body = unchunk(body);
      }
      return AnnounceResponse.decode(body).failureReason();
    } catch (AnnounceException e) {
      throw new AssertionError("the tracker's answer does not decode", e);
    }
  }

  private static byte[] unchunk(byte[] chunked) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = 0;
    while (true) {
      int eol = at;
      while (chunked[eol] != '\r') {
        eol++;
      }
      int size =
          Integer.parseInt(new String(chunked, at, eol - at, StandardCharsets.US_ASCII).trim(), 16);
      if (size == 0) {
        return out.toByteArray();
      }
      out.write(chunked, eol + 2, size);
      at = eol + 2 + size + 2;
    }
  }

  /**
   * Opens a BitTorrent connection from {@code from} to a seeder and sends our handshake for {@code
   * infoHash}; the socket reads with a 5 s timeout.
   */
  static Socket handshake(InetAddress from, int seederPort, String infoHash) throws IOException {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(from, 0));
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seederPort), 5_000);
    socket.setSoTimeout(5_000);
    ByteArrayOutputStream hs = new ByteArrayOutputStream();
    hs.write(19);
    hs.writeBytes("BitTorrent protocol".getBytes(StandardCharsets.US_ASCII));
    hs.writeBytes(new byte[8]);
    hs.writeBytes(HexFormat.of().parseHex(infoHash));
    byte[] peerId = new byte[20];
    new SecureRandom().nextBytes(peerId);
    System.arraycopy("-TK0001-".getBytes(StandardCharsets.US_ASCII), 0, peerId, 0, 8);
    hs.writeBytes(peerId);
    socket.getOutputStream().write(hs.toByteArray());
    socket.getOutputStream().flush();
    return socket;
  }

  /**
   * How many bytes a seeder sends for {@code infoHash} to a peer at {@code from}, read until it
   * closes the connection or has sent its 68-byte handshake (a refused peer gets 0).
   */
  static int seederAnswer(InetAddress from, int seederPort, String infoHash) throws IOException {
    try (Socket socket = handshake(from, seederPort, infoHash)) {
      InputStream in = socket.getInputStream();
      int n = 0;
      try {
        while (n < 68 && in.read() >= 0) {
          n++;
        }
      } catch (SocketException e) {
        // Reset by the seeder: what it sent before counts.
      }
      return n;
    }
  }
}
