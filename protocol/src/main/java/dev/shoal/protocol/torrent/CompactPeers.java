package dev.shoal.protocol.torrent;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * BEP 23 compact peer lists: 6 bytes per IPv4 peer ({@code peers}), 18 per IPv6 ({@code peers6}).
 */
public final class CompactPeers {
  private CompactPeers() {}

  /** Encodes the IPv4 peers of {@code peers}; others are skipped. */
  public static byte[] encode(List<InetSocketAddress> peers) {
    return encode(peers, 4);
  }

  /** Encodes the IPv6 peers of {@code peers}; others are skipped. */
  public static byte[] encode6(List<InetSocketAddress> peers) {
    return encode(peers, 16);
  }

  public static List<InetSocketAddress> decode(byte[] compact) throws AnnounceException {
    return decode(compact, 4);
  }

  public static List<InetSocketAddress> decode6(byte[] compact) throws AnnounceException {
    return decode(compact, 16);
  }

  private static byte[] encode(List<InetSocketAddress> peers, int addrLen) {
    byte[] out = new byte[peers.size() * (addrLen + 2)];
    int n = 0;
    for (InetSocketAddress p : peers) {
      InetAddress a = p.getAddress();
      boolean fits = addrLen == 4 ? a instanceof Inet4Address : a instanceof Inet6Address;
      if (a == null || !fits) {
        continue;
      }
      System.arraycopy(a.getAddress(), 0, out, n, addrLen);
      out[n + addrLen] = (byte) (p.getPort() >> 8);
      out[n + addrLen + 1] = (byte) p.getPort();
      n += addrLen + 2;
    }
    return Arrays.copyOf(out, n);
  }

  private static List<InetSocketAddress> decode(byte[] compact, int addrLen)
      throws AnnounceException {
    int entry = addrLen + 2;
    if (compact.length % entry != 0) {
      throw new AnnounceException("compact peer list length not a multiple of " + entry);
    }
    List<InetSocketAddress> out = new ArrayList<>(compact.length / entry);
    for (int i = 0; i < compact.length; i += entry) {
      int port = ((compact[i + addrLen] & 0xff) << 8) | (compact[i + addrLen + 1] & 0xff);
      try {
        InetAddress a = InetAddress.getByAddress(Arrays.copyOfRange(compact, i, i + addrLen));
        out.add(new InetSocketAddress(a, port));
      } catch (UnknownHostException e) {
        throw new AnnounceException("bad address"); // unreachable: length is checked
      }
    }
    return out;
  }
}
