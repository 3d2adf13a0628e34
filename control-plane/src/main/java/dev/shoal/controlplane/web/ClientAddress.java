package dev.shoal.controlplane.web;

import dev.shoal.controlplane.config.Cidr;
import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

/**
 * The address of the client behind the proxies we trust. {@code Forwarded} (RFC 7239) or, when it
 * is absent, {@code X-Forwarded-For} is read only when the connection comes from a trusted proxy,
 * and then from the right: each proxy appends the address it was connected from, so the right-most
 * hop that is not itself a trusted proxy is the client; anything left of it was written by that
 * client and may be made up. A hop that is not an address literal ({@code unknown}, an obfuscated
 * name) ends the walk at the last trusted hop.
 */
public final class ClientAddress {

  private final List<Cidr> trustedProxies;

  public ClientAddress(List<Cidr> trustedProxies) {
    this.trustedProxies = List.copyOf(trustedProxies);
  }

  /** The client's address of this request, from its connection and forwarding headers. */
  public String of(HttpServletRequest request) {
    return resolve(
        request.getRemoteAddr(),
        values(request.getHeaders("Forwarded")),
        values(request.getHeaders("X-Forwarded-For")));
  }

  /**
   * @param remote the address of the connection (the servlet container's remote address)
   * @param forwarded every {@code Forwarded} header value, in order
   * @param forwardedFor every {@code X-Forwarded-For} header value, in order
   * @return the client's address, as a literal
   */
  String resolve(String remote, List<String> forwarded, List<String> forwardedFor) {
    InetAddress current = Cidr.literal(remote);
    if (current == null || trustedProxies.isEmpty() || !trusted(current)) {
      return remote;
    }
    List<String> hops = forwarded.isEmpty() ? hops(forwardedFor) : forwardedForValues(forwarded);
    for (int i = hops.size() - 1; i >= 0 && trusted(current); i--) {
      InetAddress hop = hopAddress(hops.get(i));
      if (hop == null) {
        break;
      }
      current = hop;
    }
    return current.getHostAddress();
  }

  boolean trusted(InetAddress address) {
    for (Cidr proxy : trustedProxies) {
      if (proxy.contains(address)) {
        return true;
      }
    }
    return false;
  }

  static List<String> values(Enumeration<String> headers) {
    List<String> values = new ArrayList<>();
    while (headers != null && headers.hasMoreElements()) {
      values.add(headers.nextElement());
    }
    return values;
  }

  private static List<String> hops(List<String> headers) {
    List<String> hops = new ArrayList<>();
    for (String header : headers) {
      for (String hop : header.split(",")) {
        hops.add(hop.trim());
      }
    }
    return hops;
  }

  /** The {@code for=} of each element; an element without one counts as an unknown hop. */
  private static List<String> forwardedForValues(List<String> headers) {
    List<String> hops = new ArrayList<>();
    for (String element : hops(headers)) {
      String value = "unknown";
      for (String pair : element.split(";")) {
        String p = pair.trim();
        if (p.toLowerCase(Locale.ROOT).startsWith("for=")) {
          value = p.substring(4).replace("\"", "");
        }
      }
      hops.add(value);
    }
    return hops;
  }

  /**
   * {@code 192.0.2.1}, {@code 192.0.2.1:4711}, {@code [2001:db8::1]:4711} or {@code 2001:db8::1}.
   */
  private static InetAddress hopAddress(String hop) {
    String s = hop.trim();
    if (s.startsWith("[")) {
      int end = s.indexOf(']');
      return end < 0 ? null : Cidr.literal(s.substring(1, end));
    }
    int colon = s.indexOf(':');
    if (colon > 0 && colon == s.lastIndexOf(':')) {
      s = s.substring(0, colon);
    }
    return Cidr.literal(s);
  }
}
