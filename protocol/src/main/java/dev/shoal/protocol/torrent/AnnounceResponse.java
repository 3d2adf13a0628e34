package dev.shoal.protocol.torrent;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tracker announce response. Encoding is always compact (BEP 23); decoding also accepts the
 * original list-of-dicts form, because being liberal here only costs a few lines.
 *
 * @param failureReason non-null means the announce failed and every other field is meaningless
 */
public record AnnounceResponse(
    int interval, int minInterval, List<InetSocketAddress> peers, String failureReason) {

  private static final Bencode.Limits LIMITS = new Bencode.Limits(1 << 20, 4, 20_000);

  public AnnounceResponse {
    peers = List.copyOf(peers == null ? List.of() : peers);
    if (interval < 0 || minInterval < 0) {
      throw new IllegalArgumentException("negative interval");
    }
  }

  public static AnnounceResponse failure(String reason) {
    return new AnnounceResponse(0, 0, List.of(), reason);
  }

  public byte[] encode() {
    Map<String, Object> m = new LinkedHashMap<>();
    if (failureReason != null) {
      m.put("failure reason", failureReason);
      return Bencode.encode(m);
    }
    m.put("interval", (long) interval);
    if (minInterval > 0) {
      m.put("min interval", (long) minInterval);
    }
    m.put("peers", CompactPeers.encode(peers));
    byte[] v6 = CompactPeers.encode6(peers);
    if (v6.length > 0) {
      m.put("peers6", v6);
    }
    return Bencode.encode(m);
  }

  public static AnnounceResponse decode(byte[] body) throws AnnounceException {
    Object top;
    try {
      top = Bencode.decode(body, LIMITS);
    } catch (BencodeException e) {
      throw new AnnounceException("response is not valid bencoding: " + e.getMessage());
    }
    if (!(top instanceof Map<?, ?> m)) {
      throw new AnnounceException("response is not a dictionary");
    }
    if (m.get("failure reason") instanceof byte[] reason) {
      return failure(new String(reason, StandardCharsets.UTF_8));
    }
    if (!(m.get("interval") instanceof Long interval) || interval < 0 || interval > 86_400) {
      throw new AnnounceException("missing or bad interval");
    }
    int min = m.get("min interval") instanceof Long l && l >= 0 && l <= 86_400 ? l.intValue() : 0;
    List<InetSocketAddress> peers = new ArrayList<>();
    Object p = m.get("peers");
    if (p instanceof byte[] compact) {
      peers.addAll(CompactPeers.decode(compact));
    } else if (p instanceof List<?> list) {
      peers.addAll(dictPeers(list));
    }
    if (m.get("peers6") instanceof byte[] compact6) {
      peers.addAll(CompactPeers.decode6(compact6));
    }
    return new AnnounceResponse(interval.intValue(), min, peers, null);
  }

  private static List<InetSocketAddress> dictPeers(List<?> list) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (Object o : list) {
      if (o instanceof Map<?, ?> d
          && d.get("ip") instanceof byte[] ip
          && d.get("port") instanceof Long port
          && port > 0
          && port <= 65535) {
        literal(new String(ip, StandardCharsets.US_ASCII), port.intValue(), out);
      }
    }
    return out;
  }

  /** Only IP literals: resolving host names from a tracker would be an SSRF/DNS amplifier. */
  private static void literal(String ip, int port, List<InetSocketAddress> out) {
    if (!ip.matches("[0-9.]{7,15}|[0-9a-fA-F:]{2,39}")) {
      return;
    }
    try {
      out.add(new InetSocketAddress(InetAddress.getByName(ip), port));
    } catch (UnknownHostException | IllegalArgumentException e) {
      // skip unparseable entries
    }
  }
}
