package dev.shoal.swarm;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Which peers are on our LAN: their traffic stays in the home, so it is not held to the upload cap
 * meant for the player's uplink, and they are asked first (see swarm/README.md, "LAN peers").
 *
 * <p>A peer is on the LAN when the address of its TCP connection, as the kernel reports it (never
 * what the peer or a tracker says), lies in one of these networks. Given none ({@link
 * SwarmConfig#lanNetworks()} null), they are the subnets of this host's own interfaces that are
 * private (RFC 1918, IPv6 unique local, link local): on-link, reached without a router in between.
 * From the internet a connection cannot come from such an address: the home router forwards the
 * peer's public source address, and a spoofed private source never completes the TCP handshake, as
 * the SYN-ACK goes to the LAN. Private addresses one router away (a CGNAT's 10/8 on the router's
 * WAN side) are not on-link, so other customers of the ISP are not LAN peers; 100.64/10 (RFC 6598)
 * is never private here. Loopback is not a LAN (tests run every peer there).
 *
 * <p>Interfaces change (a laptop moves between networks), so the automatic networks are read again
 * at most every {@link #REFRESH}. Engine thread only.
 */
final class LanNetworks {
  private static final Logger LOG = Logger.getLogger(LanNetworks.class.getName());
  private static final long REFRESH = 30 * Torrent.SECOND;

  /** One network: an address and the number of leading bits that must match. */
  record Cidr(byte[] network, int prefix) {
    boolean contains(InetAddress a) {
      byte[] b = a.getAddress();
      if (b.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (b[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xff << (8 - rest) & 0xff;
      return (b[full] & mask) == (network[full] & mask);
    }

    InetAddress address() {
      try {
        return InetAddress.getByAddress(network);
      } catch (UnknownHostException e) {
        throw new IllegalStateException("a Cidr holds 4 or 16 bytes", e);
      }
    }

    /** Parses "192.168.1.0/24", "fd00::/8" or a single address (a /32 or /128). */
    static Cidr parse(String s) {
      int slash = s.indexOf('/');
      String host = slash < 0 ? s : s.substring(0, slash);
      // Literals only: InetAddress.getByName would look a name up.
      boolean v6 =
          host.indexOf(':') >= 0
              && host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
      boolean v4 = host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
      if (!v4 && !v6) {
        throw new IllegalArgumentException("not a network address: " + s);
      }
      byte[] bytes;
      try {
        bytes = InetAddress.getByName(host).getAddress(); // a literal: no name lookup
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("not a network address: " + s, e);
      }
      int prefix;
      try {
        prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(s.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a prefix length: " + s, e);
      }
      if (prefix < 0 || prefix > bytes.length * 8) {
        throw new IllegalArgumentException("prefix length out of range: " + s);
      }
      return new Cidr(bytes, prefix);
    }
  }

  private final List<Cidr> configured;
  private List<Cidr> found = List.of();
  private long foundAt;
  private boolean everFound;

  /** {@code configured} null: the private subnets of this host's interfaces. */
  LanNetworks(List<String> configured) {
    this.configured = configured == null ? null : configured.stream().map(Cidr::parse).toList();
  }

  boolean contains(InetAddress a) {
    if (a == null) {
      return false;
    }
    for (Cidr c : networks()) {
      if (c.contains(a)) {
        return true;
      }
    }
    return false;
  }

  private List<Cidr> networks() {
    if (configured != null) {
      return configured;
    }
    long now = System.nanoTime();
    if (!everFound || now - foundAt > REFRESH) {
      found = ownPrivateSubnets();
      foundAt = now;
      everFound = true;
    }
    return found;
  }

  /** What {@link #privateSubnets} needs to know of one network interface: its flags and subnets. */
  record Interface(boolean up, boolean loopback, boolean pointToPoint, List<Cidr> subnets) {}

  private static List<Cidr> ownPrivateSubnets() {
    List<Interface> interfaces = new ArrayList<>();
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        List<Cidr> subnets = new ArrayList<>();
        for (InterfaceAddress ia : nic.getInterfaceAddresses()) {
          if (ia.getAddress() != null && ia.getNetworkPrefixLength() > 0) {
            subnets.add(new Cidr(ia.getAddress().getAddress(), ia.getNetworkPrefixLength()));
          }
        }
        interfaces.add(new Interface(nic.isUp(), nic.isLoopback(), nic.isPointToPoint(), subnets));
      }
    } catch (SocketException e) {
      LOG.log(Level.FINE, "cannot list the network interfaces: no LAN peers", e);
      return List.of();
    }
    return privateSubnets(interfaces);
  }

  /**
   * The private subnets of these interfaces. Point-to-point links are left out: a VPN's tunnel
   * (WireGuard, OpenVPN's tun) carries private addresses, but a peer at the far end is across the
   * internet, on the player's uplink, and its traffic must stay under the upload cap.
   */
  static List<Cidr> privateSubnets(List<Interface> interfaces) {
    List<Cidr> out = new ArrayList<>();
    for (Interface nic : interfaces) {
      if (!nic.up() || nic.loopback() || nic.pointToPoint()) {
        continue;
      }
      for (Cidr subnet : nic.subnets()) {
        if (isPrivate(subnet.address())) {
          out.add(subnet);
        }
      }
    }
    return List.copyOf(out);
  }

  /** RFC 1918, IPv6 unique local (fc00::/7) or link local. Not 100.64/10, not loopback. */
  static boolean isPrivate(InetAddress a) {
    if (a.isLinkLocalAddress()) {
      return true;
    }
    if (a instanceof Inet4Address) {
      return a.isSiteLocalAddress(); // 10/8, 172.16/12, 192.168/16
    }
    return (a.getAddress()[0] & 0xfe) == 0xfc;
  }
}
