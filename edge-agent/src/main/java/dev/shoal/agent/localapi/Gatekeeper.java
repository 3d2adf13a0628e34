package dev.shoal.agent.localapi;

import com.sun.net.httpserver.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Who may talk to the local API. Any program of any user on the machine, and any web page the
 * player visits, can reach 127.0.0.1, so: the Host header must name our loopback address (defeats
 * DNS rebinding), an Origin header if present must be our own origin (defeats web pages; there is
 * no CORS), and every call needs the bearer token from the owner-only file or a status page session
 * cookie.
 */
final class Gatekeeper {
  enum Caller {
    NONE,
    TOKEN,
    SESSION
  }

  private final byte[] token;
  private final Set<String> hosts;
  private final Set<String> origins;
  private final String cookieName;
  private final Sessions sessions;

  Gatekeeper(int port, String token, Sessions sessions) {
    this.token = token.getBytes(StandardCharsets.US_ASCII);
    this.hosts = Set.of("127.0.0.1:" + port, "localhost:" + port);
    this.origins = Set.of("http://127.0.0.1:" + port, "http://localhost:" + port);
    this.cookieName = cookieName(port);
    this.sessions = sessions;
  }

  /** The port is in the name because browsers share cookies between ports of one host. */
  static String cookieName(int port) {
    return "shoal_session_" + port;
  }

  String cookieName() {
    return cookieName;
  }

  /** Throws FORBIDDEN_ORIGIN unless Host is ours and Origin is absent or ours. */
  void checkHostAndOrigin(Headers h) {
    List<String> host = h.get("Host");
    if (host == null || host.size() != 1 || !hosts.contains(host.get(0).toLowerCase(Locale.ROOT))) {
      throw new ApiException(
          ProblemCode.FORBIDDEN_ORIGIN,
          "requests must be addressed to this agent's loopback address");
    }
    List<String> origin = h.get("Origin");
    if (origin != null) {
      for (String o : origin) {
        if (!origins.contains(o.toLowerCase(Locale.ROOT))) {
          throw new ApiException(
              ProblemCode.FORBIDDEN_ORIGIN, "cross-origin requests are not allowed");
        }
      }
    }
  }

  Caller identify(Headers h) {
    String auth = h.getFirst("Authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      byte[] offered = auth.substring(7).trim().getBytes(StandardCharsets.US_ASCII);
      // Constant time, so the token cannot be guessed byte by byte from response timings.
      return MessageDigest.isEqual(offered, token) ? Caller.TOKEN : Caller.NONE;
    }
    return sessions.valid(sessionCookie(h)) ? Caller.SESSION : Caller.NONE;
  }

  /**
   * A cookie is sent by the browser on its own, so unsafe methods with a cookie also need the
   * Origin header browsers add to POST/PUT (and it was already checked to be ours).
   */
  void checkSessionWrite(Headers h, String method) {
    boolean safe = method.equals("GET") || method.equals("HEAD");
    if (!safe && h.getFirst("Origin") == null) {
      throw new ApiException(
          ProblemCode.FORBIDDEN_ORIGIN, "missing Origin on a cookie-authenticated change");
    }
  }

  String sessionCookie(Headers h) {
    List<String> cookies = h.get("Cookie");
    if (cookies == null) {
      return null;
    }
    for (String header : cookies) {
      for (String part : header.split(";")) {
        int eq = part.indexOf('=');
        if (eq > 0 && part.substring(0, eq).trim().equals(cookieName)) {
          return part.substring(eq + 1).trim();
        }
      }
    }
    return null;
  }
}
