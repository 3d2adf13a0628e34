package dev.shoal.controlplane.telemetry;

import static dev.shoal.controlplane.refusal.Refusal.Kind.INVALID;
import static dev.shoal.controlplane.refusal.Refusal.Kind.NOT_FOUND;

import dev.shoal.controlplane.device.Devices;
import dev.shoal.controlplane.entitlement.Entitlements;
import dev.shoal.controlplane.refusal.Refusal;
import dev.shoal.controlplane.release.Releases;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Download reports from devices: kept one per row and summed per release. On the public Prometheus
 * endpoint only label-free sums over every organisation ({@code shoal_telemetry_peer_bytes_total},
 * {@code shoal_telemetry_downloads_total}, {@code shoal_telemetry_cache_installs_total}) and failed
 * downloads by kind ({@code shoal_errors_total{kind}}); per-release figures are served to each
 * organisation by {@code GET /api/v1/metrics} ({@link TenantMetrics}). An install from the agent's
 * cache is counted as such, never as a download, and fetched nothing.
 */
@Service
class Telemetry {

  /** At most this many error kinds get a series of their own; the rest count as "other". */
  static final int MAX_ERROR_KINDS = 32;

  private final JdbcClient jdbc;
  private final Releases releases;
  private final Entitlements entitlements;
  private final MeterRegistry meters;
  private final Counter peerBytes;
  private final Counter downloads;
  private final Counter cacheInstalls;
  private final Set<String> errorKinds = ConcurrentHashMap.newKeySet();

  Telemetry(JdbcClient jdbc, Releases releases, Entitlements entitlements, MeterRegistry meters) {
    this.jdbc = jdbc;
    this.releases = releases;
    this.entitlements = entitlements;
    this.meters = meters;
    // No tenant labels: anyone who can scrape sees these (shoal.ops.prometheus-public).
    this.peerBytes =
        Counter.builder("shoal.telemetry.peer.bytes")
            .baseUnit("bytes")
            .description("Pack bytes devices reported fetching from other players, all tenants")
            .register(meters);
    this.downloads =
        Counter.builder("shoal.telemetry.downloads")
            .description("Downloads reported by devices (not cache installs), all tenants")
            .register(meters);
    this.cacheInstalls =
        Counter.builder("shoal.telemetry.cache.installs")
            .description("Installs from an agent's cache (nothing fetched), all tenants")
            .register(meters);
  }

  record Report(
      UUID releaseId,
      long bytesFromPeers,
      long bytesFromOrigin,
      long bytesUploaded,
      long durationMs,
      String result,
      boolean cacheInstall) {}

  record Totals(
      long downloads,
      long failures,
      long cacheInstalls,
      long bytesFromPeers,
      long bytesFromOrigin,
      long bytesUploaded) {}

  @Transactional
  Totals record(Devices.Device device, Report sent) {
    UUID productId =
        releases
            .productOf(sent.releaseId())
            .filter(p -> entitlements.isEntitled(device, p))
            .orElseThrow(
                () -> new Refusal(NOT_FOUND, "No release " + sent.releaseId() + " for you"));
    // A cache install fetched nothing, whatever it says: counted apart, its bytes as zero.
    Report report = sent.cacheInstall() ? fetchedNothing(sent) : bounded(sent);
    boolean ok = report.result().equals("ok");
    jdbc.sql(
            "insert into telemetry_reports (device_id, release_id, bytes_from_peers,"
                + " bytes_from_origin, bytes_uploaded, duration_ms, result, cache_install)"
                + " values (?, ?, ?, ?, ?, ?, ?, ?)")
        .params(
            device.id(),
            report.releaseId(),
            report.bytesFromPeers(),
            report.bytesFromOrigin(),
            report.bytesUploaded(),
            report.durationMs(),
            report.result(),
            report.cacheInstall())
        .update();
    int download = report.cacheInstall() ? 0 : 1;
    Totals totals =
        jdbc.sql(
                "insert into release_telemetry as t (release_id, downloads, failures,"
                    + " cache_installs, bytes_from_peers, bytes_from_origin, bytes_uploaded)"
                    + " values (?, ?, ?, ?, ?, ?, ?) on conflict (release_id) do update set"
                    + " downloads = t.downloads + excluded.downloads,"
                    + " failures = t.failures + excluded.failures,"
                    + " cache_installs = t.cache_installs + excluded.cache_installs,"
                    + " bytes_from_peers = t.bytes_from_peers + excluded.bytes_from_peers,"
                    + " bytes_from_origin = t.bytes_from_origin + excluded.bytes_from_origin,"
                    + " bytes_uploaded = t.bytes_uploaded + excluded.bytes_uploaded"
                    + " returning downloads, failures, cache_installs, bytes_from_peers,"
                    + " bytes_from_origin, bytes_uploaded")
            .params(
                report.releaseId(),
                download,
                ok ? 0 : 1,
                1 - download,
                report.bytesFromPeers(),
                report.bytesFromOrigin(),
                report.bytesUploaded())
            .query(Totals.class)
            .single();
    if (!ok) {
      Counter.builder("shoal.errors")
          .description("Failed downloads reported by devices, by kind")
          .tag("kind", errorKind(report.result()))
          .register(meters)
          .increment();
    }
    if (report.cacheInstall()) {
      cacheInstalls.increment();
    } else {
      downloads.increment();
    }
    peerBytes.increment(report.bytesFromPeers());
    return totals;
  }

  /**
   * A report is believed only as far as it could be true: one download fetches at most the
   * release's largest pack. An honest agent may count a little more (pieces fetched twice at the
   * end of a download, or again after failing verification): up to twice the pack is scaled down to
   * the pack, keeping its split between peers and origin; more is refused, so that one device
   * cannot skew a release's offload ratio.
   */
  private Report bounded(Report report) {
    long pack =
        jdbc.sql("select coalesce(max(total_size), 0) from packs where release_id = ?")
            .param(report.releaseId())
            .query(Long.class)
            .single();
    long claimed = report.bytesFromPeers() + report.bytesFromOrigin();
    if (claimed <= pack) {
      return report;
    }
    if (claimed > 2 * pack) {
      throw new Refusal(
          INVALID,
          "bytesFromPeers + bytesFromOrigin is "
              + claimed
              + ", more than one download of this release can fetch (its largest pack is "
              + pack
              + " bytes)");
    }
    long peers = (long) ((double) report.bytesFromPeers() * pack / claimed);
    return new Report(
        report.releaseId(),
        peers,
        pack - peers,
        report.bytesUploaded(),
        report.durationMs(),
        report.result(),
        false);
  }

  private static Report fetchedNothing(Report report) {
    return new Report(
        report.releaseId(),
        0,
        0,
        report.bytesUploaded(),
        report.durationMs(),
        report.result(),
        true);
  }

  // The kind is the device's text: a device must not mint series without end.
  private String errorKind(String kind) {
    if (errorKinds.contains(kind)) {
      return kind;
    }
    if (errorKinds.size() < MAX_ERROR_KINDS) {
      errorKinds.add(kind);
      return kind;
    }
    return "other";
  }
}
