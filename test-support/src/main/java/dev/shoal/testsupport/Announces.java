package dev.shoal.testsupport;

import dev.shoal.protocol.torrent.AnnounceException;
import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.protocol.torrent.AnnounceResponse;
import java.net.URI;
import java.net.http.HttpRequest;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Announces to a BitTorrent tracker (the control plane's) as a client would. */
public final class Announces {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Announces() {}

  /**
   * An announce of a peer that has uploaded and downloaded nothing and still needs {@code left}
   * bytes, asking for up to 50 peers in compact form.
   */
  public static AnnounceRequest request(
      byte[] infoHash, byte[] peerId, int port, long left, AnnounceRequest.Event event) {
    return new AnnounceRequest(infoHash, peerId, port, 0, 0, left, event, 50, true);
  }

  /** The same for the info hash in hex, from a new random peer id. */
  public static AnnounceRequest request(
      String infoHashHex, int port, long left, AnnounceRequest.Event event) {
    return request(HexFormat.of().parseHex(infoHashHex), randomPeerId(), port, left, event);
  }

  /** A new random 20-byte peer id. */
  public static byte[] randomPeerId() {
    byte[] peerId = new byte[20];
    RANDOM.nextBytes(peerId);
    return peerId;
  }

  /** GETs an announce URL; fails the test unless the tracker answered 200; returns the answer. */
  public static AnnounceResponse send(String url) {
    return send(HttpRequest.newBuilder(URI.create(url)).build());
  }

  /** The same for an announce request with headers of its own (as a proxy adds them). */
  public static AnnounceResponse send(HttpRequest announce) {
    Response response = ApiClient.exchange(announce);
    if (response.status() != 200) {
      throw new AssertionError("announce answered HTTP " + response.status());
    }
    try {
      return AnnounceResponse.decode(response.bytes());
    } catch (AnnounceException e) {
      throw new AssertionError("the tracker's answer does not decode", e);
    }
  }
}
