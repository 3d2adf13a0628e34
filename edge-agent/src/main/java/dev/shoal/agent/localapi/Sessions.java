package dev.shoal.agent.localapi;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Browser sessions for the status page. The bearer token never reaches a browser: a token holder
 * (the CLI, a launcher) asks for a one-time code valid for a minute, the browser opens {@code
 * /?session=<code>}, and the server trades the code for an HttpOnly SameSite=Strict cookie.
 */
final class Sessions {
  static final Duration CODE_TTL = Duration.ofSeconds(60);
  static final Duration SESSION_TTL = Duration.ofHours(12);

  private final SecureRandom random = new SecureRandom();
  private final Clock clock;
  private final Map<String, Instant> codes = new ConcurrentHashMap<>();
  private final Map<String, Instant> sessions = new ConcurrentHashMap<>();

  Sessions(Clock clock) {
    this.clock = clock;
  }

  String newCode() {
    purge();
    String code = randomToken(16);
    codes.put(code, clock.instant().plus(CODE_TTL));
    return code;
  }

  /** Spends the code (at most once) and returns a new session id. */
  Optional<String> redeem(String code) {
    Instant expiry = code == null ? null : codes.remove(code);
    if (expiry == null || clock.instant().isAfter(expiry)) {
      return Optional.empty();
    }
    String session = randomToken(32);
    sessions.put(session, clock.instant().plus(SESSION_TTL));
    return Optional.of(session);
  }

  boolean valid(String session) {
    Instant expiry = session == null ? null : sessions.get(session);
    return expiry != null && !clock.instant().isAfter(expiry);
  }

  private void purge() {
    Instant now = clock.instant();
    codes.values().removeIf(now::isAfter);
    sessions.values().removeIf(now::isAfter);
  }

  String randomToken(int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
