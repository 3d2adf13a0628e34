package dev.shoal.controlplane.origin;

import static dev.shoal.controlplane.refusal.Refusal.Kind.FORBIDDEN;
import static dev.shoal.controlplane.refusal.Refusal.Kind.UNAUTHENTICATED;

import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.controlplane.device.Devices;
import dev.shoal.controlplane.refusal.Refusal;
import dev.shoal.controlplane.release.Releases;
import dev.shoal.controlplane.tracker.Tracker;
import io.swagger.v3.oas.annotations.Hidden;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Packs over HTTP, with Range support (Spring MVC answers Range requests on a Resource body with
 * 206 and the region): the fallback when peers are slow or absent, usable as a BEP 19 web seed.
 *
 * <p>Two routes. {@code /origin/{passkey}/packs/{infoHash}} is the URL devices know: the passkey
 * authenticates the device, whose entitlement is checked (from the tracker's caches). Without
 * {@code shoal.origin.cacheable-url} it serves the pack itself; with it, it redirects to {@code
 * /origin/packs/{infoHash}?token=...} there: a content-addressed, immutable URL a CDN caches once
 * for everyone (the token is left out of the cache key), checked here on every request that reaches
 * the origin and, through {@code /origin/token-check}, by a proxy that asks. The bytes are paced by
 * the origin's one budget ({@link OriginBudget}), shared with the seeder.
 */
@Hidden
@RestController
class OriginController {

  static final String TOKEN_HEADER = "X-Shoal-Origin-Token";
  private static final Pattern INFO_HASH = Pattern.compile("[0-9a-f]{40}");
  private static final Pattern CACHEABLE_PATH =
      Pattern.compile("/origin/packs/([0-9A-Fa-f]{40})(?:\\?(.*))?");

  private final Devices devices;
  private final Tracker tracker;
  private final Releases releases;
  private final OriginTokens tokens;
  private final OriginBudget budget;
  private final URI cacheableUrl;
  // Info hash -> file: a pack's bytes never change (its name is their hash).
  private final Map<String, Path> files = new ConcurrentHashMap<>();

  OriginController(
      Devices devices,
      Tracker tracker,
      Releases releases,
      OriginTokens tokens,
      OriginBudget budget,
      ShoalProperties properties) {
    this.devices = devices;
    this.tracker = tracker;
    this.releases = releases;
    this.tokens = tokens;
    this.budget = budget;
    URI url = properties.origin().cacheableUrl();
    this.cacheableUrl = url == null || url.getPath().endsWith("/") ? url : URI.create(url + "/");
  }

  @GetMapping("/origin/{passkey}/packs/{infoHash}")
  ResponseEntity<Resource> pack(@PathVariable String passkey, @PathVariable String infoHash) {
    String hash = infoHash.toLowerCase(Locale.ROOT);
    String deviceId = tracker.admittedDevice(passkey, hash).orElseThrow(() -> refusal(passkey));
    if (cacheableUrl == null) {
      return ResponseEntity.ok()
          .contentType(MediaType.APPLICATION_OCTET_STREAM)
          .header("Accept-Ranges", "bytes")
          .body(budget.pack(file(hash))); // one origin rate with the seeder
    }
    URI location =
        cacheableUrl.resolve("origin/packs/" + hash + "?token=" + tokens.issue(deviceId, hash));
    return ResponseEntity.status(HttpStatus.TEMPORARY_REDIRECT)
        .location(location)
        .cacheControl(CacheControl.noStore())
        .build();
  }

  @GetMapping("/origin/packs/{infoHash}")
  ResponseEntity<Resource> cacheable(
      @PathVariable String infoHash,
      @RequestParam(name = "token", required = false) String token,
      @RequestHeader(name = TOKEN_HEADER, required = false) String header) {
    String hash = infoHash.toLowerCase(Locale.ROOT);
    if (!tokens.valid(header != null ? header : token, hash)) {
      throw new Refusal(FORBIDDEN, "No token for this pack, or it has expired");
    }
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .header("Accept-Ranges", "bytes")
        .cacheControl(CacheControl.maxAge(Duration.ofDays(365)).cachePublic().immutable())
        .eTag("\"" + hash + "\"")
        .body(budget.pack(file(hash))); // one origin rate with the seeder
  }

  /**
   * For a caching proxy's sub-request (nginx {@code auth_request}): 204 when the original request
   * ({@code X-Original-URI}) carries a good token for its pack, else 403; the pack is not read.
   */
  @GetMapping("/origin/token-check")
  ResponseEntity<Void> tokenCheck(
      @RequestHeader(name = "X-Original-URI", required = false) String original,
      @RequestHeader(name = TOKEN_HEADER, required = false) String header) {
    Matcher path = CACHEABLE_PATH.matcher(original == null ? "" : original);
    boolean good =
        path.matches()
            && tokens.valid(
                header != null ? header : queryToken(path.group(2)),
                path.group(1).toLowerCase(Locale.ROOT));
    return ResponseEntity.status(good ? HttpStatus.NO_CONTENT : HttpStatus.FORBIDDEN)
        .cacheControl(CacheControl.noStore())
        .build();
  }

  // Refusals only: which one is worth the query.
  private Refusal refusal(String passkey) {
    return devices.byPasskey(passkey).isEmpty()
        ? new Refusal(UNAUTHENTICATED, "Unknown passkey")
        : new Refusal(FORBIDDEN, "No such pack, or not entitled to it");
  }

  private static String queryToken(String query) {
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith("token=")) {
        return pair.substring("token=".length());
      }
    }
    return null;
  }

  private Path file(String hash) {
    if (!INFO_HASH.matcher(hash).matches()) {
      throw new Refusal(FORBIDDEN, "No such pack");
    }
    Path file =
        files.computeIfAbsent(hash, h -> releases.pack(h).map(p -> Path.of(p.path())).orElse(null));
    if (file == null) {
      throw new Refusal(FORBIDDEN, "No such pack");
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("Pack file missing: " + file);
    }
    return file;
  }
}
