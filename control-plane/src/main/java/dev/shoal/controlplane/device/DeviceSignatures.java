package dev.shoal.controlplane.device;

import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.protocol.signing.Ed25519;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * Checks the edge agent's request signatures (edge-agent README, "Request signing"): Ed25519 over
 * {@code SHOAL-REQ-V2 \n device \n METHOD \n raw path[?raw query] \n timestamp \n nonce \n
 * sha256(body)}, a timestamp within the allowed clock skew, and each nonce accepted once per device
 * within that window, whatever the method. ({@code SHOAL-REQ-V1}, without the nonce, could not tell
 * a replay from an agent's identical request in the same second, and is refused.)
 */
@Component
class DeviceSignatures {

  static final String DEVICE = "X-Shoal-Device";
  static final String TIMESTAMP = "X-Shoal-Timestamp";
  static final String SIGNATURE = "X-Shoal-Signature";
  static final String NONCE = "X-Shoal-Nonce";
  private static final Pattern NONCE_FORMAT = Pattern.compile("[A-Za-z0-9_-]{16,64}");
  private static final int MAX_REMEMBERED = 200_000;

  private final Devices devices;
  private final long skewSeconds;
  private final Clock clock = Clock.systemUTC();
  // "device nonce" -> epoch second after which it is too old to be replayed anyway.
  private final Map<String, Long> seen = new ConcurrentHashMap<>();

  DeviceSignatures(Devices devices, ShoalProperties properties) {
    this.devices = devices;
    this.skewSeconds = properties.device().maxClockSkew().toSeconds();
  }

  /** Why a signed request was refused. */
  static final class Refused extends Exception {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** The live device that signed this request. */
  Devices.Device verifyEnrolled(HttpServletRequest request, byte[] body) throws Refused {
    String deviceId = request.getHeader(DEVICE);
    Optional<Devices.Device> device = deviceId == null ? Optional.empty() : devices.find(deviceId);
    if (device.isEmpty() || device.get().revokedAt() != null) {
      throw new Refused("Unknown or revoked device");
    }
    verify(device.get().signingKey(), deviceId, request, body);
    return device.get();
  }

  /** Checks the request's {@code X-Shoal-*} headers and body against this signing key. */
  void verify(byte[] signingKey, String deviceId, HttpServletRequest request, byte[] body)
      throws Refused {
    verify(
        signingKey,
        deviceId,
        request.getMethod(),
        pathAndQuery(request),
        request.getHeader(TIMESTAMP),
        request.getHeader(NONCE),
        request.getHeader(SIGNATURE),
        body);
  }

  /** The raw path and query as received: what the device signed. */
  private static String pathAndQuery(HttpServletRequest request) {
    String query = request.getQueryString();
    String path = request.getRequestURI();
    return query == null ? path : path + "?" + query;
  }

  private void verify(
      byte[] signingKey,
      String deviceId,
      String method,
      String pathAndQuery,
      String timestamp,
      String nonce,
      String signature,
      byte[] body)
      throws Refused {
    if (timestamp == null
        || !timestamp.matches("\\d{1,12}")
        || nonce == null
        || !NONCE_FORMAT.matcher(nonce).matches()
        || signature == null) {
      throw new Refused("Missing or malformed " + TIMESTAMP + " / " + NONCE + " / " + SIGNATURE);
    }
    long now = clock.instant().getEpochSecond();
    long at = Long.parseLong(timestamp);
    if (Math.abs(now - at) > skewSeconds) {
      throw new Refused("Stale or future " + TIMESTAMP + ": more than " + skewSeconds + " s off");
    }
    byte[] sig;
    try {
      sig = Base64.getUrlDecoder().decode(signature);
    } catch (IllegalArgumentException e) {
      throw new Refused("Malformed " + SIGNATURE);
    }
    String bodyHash = HexFormat.of().formatHex(Devices.sha256(body));
    String verb = method.toUpperCase(Locale.ROOT);
    String toSign =
        String.join("\n", "SHOAL-REQ-V2", deviceId, verb, pathAndQuery, timestamp, nonce, bodyHash);
    if (sig.length != Ed25519.SIGNATURE_BYTES
        || !Ed25519.verify(
            Ed25519.publicKey(signingKey), toSign.getBytes(StandardCharsets.UTF_8), sig)) {
      throw new Refused("Bad device signature");
    }
    remember(deviceId + " " + nonce, at + skewSeconds, now);
  }

  private void remember(String used, long keepUntil, long now) throws Refused {
    if (seen.size() > MAX_REMEMBERED) {
      seen.values().removeIf(until -> until < now);
    }
    if (seen.putIfAbsent(used, keepUntil) != null) {
      throw new Refused("Replayed request: this nonce was already used");
    }
  }
}
