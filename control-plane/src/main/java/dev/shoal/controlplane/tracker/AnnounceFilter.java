package dev.shoal.controlplane.tracker;

import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.controlplane.web.ClientAddress;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * The announce URLs, {@code /<passkey>/announce} (what torrents carry) and {@code
 * /announce?passkey=<passkey>}, answered ahead of every other filter. The tracker checks passkeys
 * itself, and an announce is the one request a fleet serves a million times: Spring MVC's dispatch,
 * the security chain and a per-request observation cost several times the announce (see
 * docs/benchmarks.md), so announces skip them; {@code shoal_tracker_announces_total} counts them.
 * The raw query string goes to the strict parser untouched.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class AnnounceFilter implements Filter {

  private static final Logger log = LoggerFactory.getLogger(AnnounceFilter.class);
  private static final String ANNOUNCE = "/announce";

  private final Tracker tracker;
  // Ahead of ClientAddressFilter too: the announce resolves the client's address itself.
  private final ClientAddress clientAddress;

  AnnounceFilter(Tracker tracker, ShoalProperties properties) {
    this.tracker = tracker;
    this.clientAddress = new ClientAddress(properties.trustedProxies());
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (req instanceof HttpServletRequest request
        && res instanceof HttpServletResponse response
        && request.getMethod().equals("GET")) {
      String passkey = passkey(request);
      if (passkey != null) {
        announce(passkey.isEmpty() ? null : passkey, request, response);
        return;
      }
    }
    chain.doFilter(req, res);
  }

  private void announce(String passkey, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String query = request.getQueryString() == null ? "" : request.getQueryString();
    String client = clientAddress.of(request);
    byte[] body;
    try {
      body = tracker.announce(passkey == null ? passkeyParameter(query) : passkey, query, client);
      response.setStatus(HttpServletResponse.SC_OK);
    } catch (DataAccessException e) {
      // The database or Redis is away: 503 with Retry-After, as the rest of the API answers then,
      // and a bencoded failure reason for clients that read only the body; not a 500 page.
      log.warn("Announce from {} not answered: {}", client, e.getMessage());
      body = tracker.unavailable();
      response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
      response.setHeader("Retry-After", "5");
    }
    response.setContentType("text/plain");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  /**
   * For {@code /<passkey>/announce} the passkey, for {@code /announce} the empty string (the
   * passkey is in the query), for anything else null.
   */
  static String passkey(HttpServletRequest request) {
    String path = request.getRequestURI();
    if (path.equals(ANNOUNCE)) {
      return "";
    }
    int end = path.length() - ANNOUNCE.length();
    if (end > 1 && path.endsWith(ANNOUNCE) && path.lastIndexOf('/', end - 1) == 0) {
      return path.substring(1, end);
    }
    return null;
  }

  private static String passkeyParameter(String query) {
    for (String pair : query.split("&")) {
      if (pair.startsWith("passkey=")) {
        return pair.substring("passkey=".length());
      }
    }
    return null;
  }
}
