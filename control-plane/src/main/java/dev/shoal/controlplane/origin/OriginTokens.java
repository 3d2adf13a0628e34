package dev.shoal.controlplane.origin;

import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.controlplane.keys.MasterKey;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Short-lived tokens for one device and one pack: {@code <expiry seconds>.<device id>.<MAC>}, the
 * MAC an HMAC-SHA256 over the pack's info hash, the device and the expiry, keyed by a key derived
 * from the master key (so every node issues and checks the same tokens, without SQL). Checking
 * needs no state: a token stays good until it expires, whatever happens to the device meanwhile.
 */
@Component
class OriginTokens {

  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

  private final SecretKeySpec key;
  private final Duration ttl;
  private final Clock clock;

  @Autowired
  OriginTokens(MasterKey masterKey, ShoalProperties properties) {
    this(
        masterKey.derive("shoal origin token v1"),
        properties.origin().tokenTtl(),
        Clock.systemUTC());
  }

  OriginTokens(byte[] key, Duration ttl, Clock clock) {
    this.key = new SecretKeySpec(key, "HmacSHA256");
    this.ttl = ttl;
    this.clock = clock;
  }

  String issue(String deviceId, String infoHash) {
    long expires = clock.instant().plus(ttl).getEpochSecond();
    return expires + "." + deviceId + "." + mac(infoHash, deviceId, expires);
  }

  /** Whether the token was issued for this pack and has not expired. */
  boolean valid(String token, String infoHash) {
    if (token == null) {
      return false;
    }
    int first = token.indexOf('.');
    int last = token.lastIndexOf('.');
    if (first <= 0 || last <= first + 1 || first > 12) {
      return false;
    }
    long expires;
    try {
      expires = Long.parseLong(token.substring(0, first));
    } catch (NumberFormatException e) {
      return false;
    }
    if (expires < clock.instant().getEpochSecond()) {
      return false;
    }
    String expected = mac(infoHash, token.substring(first + 1, last), expires);
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.US_ASCII),
        token.substring(last + 1).getBytes(StandardCharsets.US_ASCII));
  }

  private String mac(String infoHash, String deviceId, long expires) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      byte[] tag =
          mac.doFinal((infoHash + "|" + deviceId + "|" + expires).getBytes(StandardCharsets.UTF_8));
      return ENCODER.encodeToString(tag);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
