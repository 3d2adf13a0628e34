package dev.shoal.controlplane.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An address block such as {@code 10.0.0.0/8} or {@code fd00::/8} (a bare address is a block of
 * one). Parsed from literals only: nothing here ever asks DNS.
 */
public record Cidr(InetAddress network, int prefixLength) {

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  /**
   * Parses {@code address[/prefix]}; throws IllegalArgumentException naming what is wrong (also the
   * conversion Spring uses to bind {@code shoal.trusted-proxies}, so a bad one stops start-up).
   */
  public static Cidr of(String text) {
    String[] parts = text.trim().split("/", -1);
    InetAddress address = literal(parts[0]);
    if (address == null || parts.length > 2) {
      throw new IllegalArgumentException("not an address or address/prefix: " + text);
    }
    int bits = address.getAddress().length * 8;
    int prefix = bits;
    if (parts.length == 2) {
      try {
        prefix = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException("prefix must be 0.." + bits + ": " + text);
      }
    }
    return new Cidr(address, prefix);
  }

  /**
   * An IPv4 or IPv6 literal (IPv6 without brackets), or null when {@code text} is anything else.
   * Never a host name: {@link InetAddress#getByName} is only given strings it parses as literals.
   */
  public static InetAddress literal(String text) {
    String s = text.trim();
    byte[] v4 = dottedQuad(s);
    if (v4 != null) {
      try {
        return InetAddress.getByAddress(v4);
      } catch (UnknownHostException e) {
        throw new IllegalStateException("four bytes are an IPv4 address", e);
      }
    }
    if (IPV4.matcher(s).matches() || !IPV6.matcher(s).matches()) {
      return null; // an octet above 255, or not an address at all
    }
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /**
   * The four bytes of a dotted quad of 1 to 3 digits per octet, each at most 255, or null. By hand:
   * every announce parses a few hundred of them (the peers a swarm store hands back), and the
   * regular expressions and {@code getByName} cost more than the rest of the announce.
   */
  private static byte[] dottedQuad(String s) {
    byte[] out = new byte[4];
    int octet = 0;
    int value = 0;
    int digits = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9' && digits < 3) {
        value = value * 10 + (c - '0');
        digits++;
      } else if (c == '.' && digits > 0 && octet < 3 && value <= 255) {
        out[octet++] = (byte) value;
        value = 0;
        digits = 0;
      } else {
        return null;
      }
    }
    if (octet != 3 || digits == 0 || value > 255) {
      return null;
    }
    out[3] = (byte) value;
    return out;
  }

  /** Whether {@code address} lies in this block (an IPv4 address never lies in an IPv6 block). */
  public boolean contains(InetAddress address) {
    if ((address instanceof Inet4Address) != (network instanceof Inet4Address)) {
      return false;
    }
    byte[] a = address.getAddress();
    byte[] n = network.getAddress();
    int whole = prefixLength / 8;
    for (int i = 0; i < whole; i++) {
      if (a[i] != n[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int mask = 0xFF << (8 - rest);
    return (a[whole] & mask) == (n[whole] & mask);
  }

  @Override
  public String toString() {
    return network.getHostAddress() + "/" + prefixLength;
  }
}
