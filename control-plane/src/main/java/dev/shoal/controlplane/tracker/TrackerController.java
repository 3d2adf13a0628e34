package dev.shoal.controlplane.tracker;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The announce URLs: {@code /<passkey>/announce} (what torrents carry) and {@code
 * /announce?passkey=<passkey>}. The raw query string goes to the strict parser untouched.
 */
@Hidden
@RestController
class TrackerController {

  private static final MediaType BENCODED = MediaType.TEXT_PLAIN;

  private final Tracker tracker;

  TrackerController(Tracker tracker) {
    this.tracker = tracker;
  }

  @GetMapping("/{passkey}/announce")
  ResponseEntity<byte[]> announce(@PathVariable String passkey, HttpServletRequest request) {
    return respond(tracker.announce(passkey, query(request), request.getRemoteAddr()));
  }

  @GetMapping("/announce")
  ResponseEntity<byte[]> announce(HttpServletRequest request) {
    String query = query(request);
    return respond(tracker.announce(passkeyParameter(query), query, request.getRemoteAddr()));
  }

  private static String query(HttpServletRequest request) {
    return request.getQueryString() == null ? "" : request.getQueryString();
  }

  private static String passkeyParameter(String query) {
    for (String pair : query.split("&")) {
      if (pair.startsWith("passkey=")) {
        return pair.substring("passkey=".length());
      }
    }
    return null;
  }

  private static ResponseEntity<byte[]> respond(byte[] body) {
    return ResponseEntity.ok().contentType(BENCODED).body(body);
  }
}
