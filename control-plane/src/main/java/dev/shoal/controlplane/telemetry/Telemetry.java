package dev.shoal.controlplane.telemetry;

import static dev.shoal.controlplane.refusal.Refusal.Kind.INVALID;
import static dev.shoal.controlplane.refusal.Refusal.Kind.NOT_FOUND;

import dev.shoal.controlplane.device.Devices;
import dev.shoal.controlplane.entitlement.Entitlements;
import dev.shoal.controlplane.refusal.Refusal;
import dev.shoal.controlplane.release.Releases;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Download reports from devices: kept one per row, summed per release, and exported as {@code
 * shoal_offload_ratio{release}} (share of bytes that came from peers) and {@code
 * shoal_errors_total{kind}} (failed downloads by the kind the agent reported).
 */
@Service
class Telemetry {

  private final JdbcClient jdbc;
  private final Releases releases;
  private final Entitlements entitlements;
  private final MeterRegistry meters;
  private final Map<UUID, AtomicReference<Double>> ratios = new ConcurrentHashMap<>();

  Telemetry(JdbcClient jdbc, Releases releases, Entitlements entitlements, MeterRegistry meters) {
    this.jdbc = jdbc;
    this.releases = releases;
    this.entitlements = entitlements;
    this.meters = meters;
  }

  record Report(
      UUID releaseId,
      long bytesFromPeers,
      long bytesFromOrigin,
      long bytesUploaded,
      long durationMs,
      String result) {}

  record Totals(
      long downloads,
      long failures,
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
    Report report = bounded(sent);
    boolean ok = report.result().equals("ok");
    jdbc.sql(
            "insert into telemetry_reports (device_id, release_id, bytes_from_peers,"
                + " bytes_from_origin, bytes_uploaded, duration_ms, result)"
                + " values (?, ?, ?, ?, ?, ?, ?)")
        .params(
            device.id(),
            report.releaseId(),
            report.bytesFromPeers(),
            report.bytesFromOrigin(),
            report.bytesUploaded(),
            report.durationMs(),
            report.result())
        .update();
    Totals totals =
        jdbc.sql(
                "insert into release_telemetry as t (release_id, downloads, failures,"
                    + " bytes_from_peers, bytes_from_origin, bytes_uploaded)"
                    + " values (?, 1, ?, ?, ?, ?) on conflict (release_id) do update set"
                    + " downloads = t.downloads + 1, failures = t.failures + excluded.failures,"
                    + " bytes_from_peers = t.bytes_from_peers + excluded.bytes_from_peers,"
                    + " bytes_from_origin = t.bytes_from_origin + excluded.bytes_from_origin,"
                    + " bytes_uploaded = t.bytes_uploaded + excluded.bytes_uploaded"
                    + " returning downloads, failures, bytes_from_peers, bytes_from_origin,"
                    + " bytes_uploaded")
            .params(
                report.releaseId(),
                ok ? 0 : 1,
                report.bytesFromPeers(),
                report.bytesFromOrigin(),
                report.bytesUploaded())
            .query(Totals.class)
            .single();
    if (!ok) {
      Counter.builder("shoal.errors")
          .description("Failed downloads reported by devices, by kind")
          .tag("kind", report.result())
          .register(meters)
          .increment();
    }
    ratio(report.releaseId()).set(offload(totals));
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
        report.result());
  }

  private static double offload(Totals t) {
    long total = t.bytesFromPeers() + t.bytesFromOrigin();
    return total == 0 ? 0 : (double) t.bytesFromPeers() / total;
  }

  private AtomicReference<Double> ratio(UUID releaseId) {
    return ratios.computeIfAbsent(
        releaseId,
        id -> {
          AtomicReference<Double> value = new AtomicReference<>(0.0);
          Gauge.builder("shoal.offload.ratio", value, AtomicReference::get)
              .description("Share of a release's downloaded bytes that came from peers")
              .tag("release", id.toString())
              .register(meters);
          return value;
        });
  }
}
