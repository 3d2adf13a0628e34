package dev.shoal.controlplane.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Every {@code shoal.*} setting, with its default. Validated at start-up so that a bad value stops
 * the control plane with a message naming the property, instead of failing later at run time.
 *
 * @param dataDir where the control plane keeps its state (the embedded PostgreSQL lives in {@code
 *     postgres/} below it)
 * @param publicBaseUrl the URL devices and people reach this control plane at; when unset, {@code
 *     http://localhost:<port>/}
 * @param trustedProxies the load balancers and reverse proxies (addresses or CIDR blocks) whose
 *     {@code Forwarded} / {@code X-Forwarded-For} headers name the client; from anyone else those
 *     headers are ignored. Empty (the default): the connection's address is the client's
 */
@ConfigurationProperties("shoal")
@Validated
public record ShoalProperties(
    @DefaultValue("./shoal-data") @NotNull Path dataDir,
    @Pattern(regexp = "https?://\\S+", message = "must be an absolute http:// or https:// URL")
        String publicBaseUrl,
    @DefaultValue @Valid Bootstrap bootstrap,
    @DefaultValue @Valid EmbeddedDatabase embeddedDatabase,
    @DefaultValue @Valid Ops ops,
    @Pattern(regexp = "[A-Za-z0-9+/]{43}=", message = "must be 32 bytes in standard base64")
        String masterKey,
    @DefaultValue @Valid Upload upload,
    @DefaultValue @Valid Release release,
    @DefaultValue @Valid Tracker tracker,
    @DefaultValue @Valid Origin origin,
    @DefaultValue @Valid Device device,
    @DefaultValue @Valid Health health,
    @DefaultValue List<Cidr> trustedProxies) {

  /** The base URL to show people, ending in a slash. */
  public String baseUrl(int localPort) {
    String url = publicBaseUrl == null ? "http://localhost:" + localPort : publicBaseUrl;
    return url.endsWith("/") ? url : url + "/";
  }

  /**
   * The organisation and admin created on the first start (when no user exists yet).
   *
   * @param adminPassword empty means: generate one and print it once
   * @param apiKey an ADMIN API key of that organisation, in the form {@code shoal_<12 hex>_<43
   *     base64url>}, made at start when its prefix is unknown: lets automation (Helm, Terraform, a
   *     CI job) publish without ever signing in. Only its SHA-256 is stored; revoking it sticks (a
   *     restart does not bring it back). Empty: none
   */
  public record Bootstrap(
      @DefaultValue("default")
          @NotBlank
          @Pattern(regexp = "[a-z0-9][a-z0-9-]{0,62}", message = "must be a lower-case slug")
          String organisation,
      @DefaultValue("admin") @NotBlank @Size(max = 254) String adminUsername,
      @DefaultValue("")
          @Pattern(
              regexp = "|.{12,128}",
              message = "must be empty (generate one) or 12 to 128 characters")
          String adminPassword,
      @DefaultValue("")
          @Pattern(
              regexp = "|shoal_[0-9a-f]{12}_[A-Za-z0-9_-]{43}",
              message = "must be empty or shoal_<12 hex digits>_<43 base64url characters>")
          String apiKey) {}

  /**
   * The PostgreSQL started in-process when {@code spring.datasource.url} is not set.
   *
   * @param port 0 picks a free port at each start
   */
  public record EmbeddedDatabase(@DefaultValue("0") @Min(0) @Max(65535) int port) {}

  /**
   * Operations endpoints.
   *
   * @param prometheusPublic whether {@code /actuator/prometheus} answers without authentication (a
   *     scraper on the private network usually has no credentials); when false it needs an ADMIN
   */
  public record Ops(@DefaultValue("true") boolean prometheusPublic) {}

  /**
   * Build uploads.
   *
   * @param maxBytes the most one upload session may hold (all its files, or its archive)
   */
  public record Upload(@DefaultValue("64GB") @NotNull DataSize maxBytes) {
    @AssertTrue(message = "upload.max-bytes must be positive")
    boolean isPositive() {
      return maxBytes != null && maxBytes.toBytes() > 0;
    }
  }

  /**
   * The release pipeline.
   *
   * @param deltaFrom delta packs are made from this many previous releases of the channel
   * @param manifestTtl how long a signed manifest is valid; active releases are re-signed at half
   * @param queueCapacity pipelines waiting for the (single) pipeline thread; more are refused (503)
   * @param headTtl how long the signed channel head served with each manifest is valid ("this is
   *     the latest release for you"): a replayed older manifest is refused at once, a replayed head
   *     within this time
   */
  public record Release(
      @DefaultValue("3") @Min(0) @Max(16) int deltaFrom,
      @DefaultValue("30d") @NotNull Duration manifestTtl,
      @DefaultValue("16") @Min(1) @Max(1000) int queueCapacity,
      @DefaultValue("6h") @NotNull Duration headTtl) {
    @AssertTrue(message = "release.head-ttl must be between 1 second and 7 days")
    boolean isHeadTtlSane() {
      return headTtl != null
          && headTtl.compareTo(Duration.ofSeconds(1)) >= 0
          && headTtl.compareTo(Duration.ofDays(7)) <= 0;
    }

    @AssertTrue(message = "release.manifest-ttl must be between 1 hour and 365 days")
    boolean isTtlSane() {
      return manifestTtl != null
          && manifestTtl.compareTo(Duration.ofHours(1)) >= 0
          && manifestTtl.compareTo(Duration.ofDays(365)) <= 0;
    }
  }

  /**
   * The BitTorrent tracker.
   *
   * @param interval re-announce interval sent to peers; peers silent for two (of the longest, with
   *     jitter) intervals expire
   * @param intervalJitter percent by which each response's interval is spread either way
   * @param region the region of this control plane's origin seeder (peers prefer their region)
   * @param cacheTtl how long one node keeps a passkey's device, a pack's product and an entitlement
   *     found for an announce (0 turns the caches off). Revocations and entitlement changes evict
   *     at once on every node (through Redis between nodes), so this only bounds a node that missed
   *     those events; with it longer than the announce interval, steady announces cost no SQL
   * @param cacheEntries at most this many entries per cache (a fleet needs one per device)
   */
  public record Tracker(
      @DefaultValue("45s") @NotNull Duration interval,
      @DefaultValue("10") @Min(0) @Max(50) int intervalJitter,
      @DefaultValue("") String region,
      @DefaultValue("10m") @NotNull Duration cacheTtl,
      @DefaultValue("1500000") @Min(1000) int cacheEntries) {
    @AssertTrue(message = "tracker.interval must be between 30 seconds and 30 minutes")
    boolean isIntervalInRange() {
      return interval != null
          && interval.compareTo(Duration.ofSeconds(30)) >= 0
          && interval.compareTo(Duration.ofMinutes(30)) <= 0;
    }

    @AssertTrue(message = "tracker.cache-ttl must be between 0 and 1 hour")
    boolean isCacheTtlInRange() {
      return cacheTtl != null && !cacheTtl.isNegative() && cacheTtl.toSeconds() <= 3600;
    }
  }

  /**
   * The origin: HTTP range downloads and the BitTorrent seeder of every published pack.
   *
   * @param uploadCap the origin's one upload budget, the BitTorrent seeder and the HTTP packs
   *     together, in bytes per second; 0 means no cap
   * @param seederEnabled whether the control plane seeds published packs over BitTorrent
   * @param seederPort the seeder's listening port; 0 picks a free one
   * @param seederBindAddress the address the seeder listens on
   * @param cacheableUrl where devices fetch packs by content address (a CDN in front of this
   *     control plane, or the control plane itself); when set, a device's passkey URL answers with
   *     a redirect there carrying a short-lived token; unset, it serves the pack itself
   * @param tokenTtl how long such a token is good for (1 to 60 minutes): through a CDN, a revoked
   *     device keeps fetching packs for at most this long
   */
  public record Origin(
      @DefaultValue("0") @NotNull DataSize uploadCap,
      @DefaultValue("true") boolean seederEnabled,
      @DefaultValue("0") @Min(0) @Max(65535) int seederPort,
      @DefaultValue("0.0.0.0") @NotBlank String seederBindAddress,
      URI cacheableUrl,
      @DefaultValue("5m") @NotNull Duration tokenTtl) {
    @AssertTrue(message = "origin.token-ttl must be between 1 and 60 minutes")
    boolean isTokenTtlInRange() {
      return tokenTtl != null
          && tokenTtl.compareTo(Duration.ofMinutes(1)) >= 0
          && tokenTtl.compareTo(Duration.ofMinutes(60)) <= 0;
    }

    @AssertTrue(message = "origin.cacheable-url must be an absolute http(s) URL")
    boolean isCacheableUrlAbsolute() {
      return cacheableUrl == null
          || ("http".equals(cacheableUrl.getScheme()) || "https".equals(cacheableUrl.getScheme()))
              && cacheableUrl.getHost() != null;
    }
  }

  /**
   * Signed device requests.
   *
   * @param maxClockSkew how far a device's X-Shoal-Timestamp may be from the server's clock
   * @param enrolmentLimit enrolments one source address may make into one organisation at once (0:
   *     no limit); the budget refills over {@code enrolmentWindow}
   * @param enrolmentWindow how long the enrolment budget takes to refill completely
   */
  public record Device(
      @DefaultValue("5m") @NotNull Duration maxClockSkew,
      @DefaultValue("60") @PositiveOrZero int enrolmentLimit,
      @DefaultValue("10m") @NotNull Duration enrolmentWindow) {
    @AssertTrue(message = "device.enrolment-window must be between 1 second and 1 day")
    boolean isEnrolmentWindowInRange() {
      return enrolmentWindow != null
          && enrolmentWindow.compareTo(Duration.ofSeconds(1)) >= 0
          && enrolmentWindow.compareTo(Duration.ofDays(1)) <= 0;
    }
  }

  /**
   * Swarm health: what the tracker and the origin are sampled into for the publishers' charts.
   *
   * @param sampleInterval how often the tracker's swarms and the origin's egress are recorded
   * @param retention how long samples are kept
   */
  public record Health(
      @DefaultValue("45s") @NotNull Duration sampleInterval,
      @DefaultValue("90d") @NotNull Duration retention) {
    @AssertTrue(message = "health.sample-interval must be between 1 second and 10 minutes")
    boolean isSampleIntervalInRange() {
      return sampleInterval != null
          && sampleInterval.compareTo(Duration.ofSeconds(1)) >= 0
          && sampleInterval.compareTo(Duration.ofMinutes(10)) <= 0;
    }

    @AssertTrue(message = "health.retention must be between 1 day and 3650 days")
    boolean isRetentionInRange() {
      return retention != null
          && retention.compareTo(Duration.ofDays(1)) >= 0
          && retention.compareTo(Duration.ofDays(3650)) <= 0;
    }
  }
}
