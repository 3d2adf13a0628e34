package dev.shoal.controlplane.support;

import dev.shoal.protocol.torrent.AnnounceRequest;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Announces as a fresh agent makes them: a new peer id, port 6881, 1000 bytes left. */
public final class Announces {

  private static final SecureRandom RANDOM = new SecureRandom();

  private Announces() {}

  public static AnnounceRequest request(String infoHash, AnnounceRequest.Event event) {
    byte[] peerId = new byte[20];
    RANDOM.nextBytes(peerId);
    return new AnnounceRequest(
        HexFormat.of().parseHex(infoHash), peerId, 6881, 0, 0, 1000, event, 50, true);
  }
}
