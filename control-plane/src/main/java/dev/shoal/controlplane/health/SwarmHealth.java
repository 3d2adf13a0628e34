package dev.shoal.controlplane.health;

import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.controlplane.product.Products;
import dev.shoal.controlplane.release.Releases;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Swarm health over time, for one release or for every release of a product: devices in the swarms
 * and those offering uploads (tracker samples), downloads reported by devices and where their bytes
 * came from, and what the origin sent (HTTP and seeder, sampled). Organisation-scoped: another
 * organisation's release or product is not found.
 */
@Service
class SwarmHealth {

  private final JdbcClient jdbc;
  private final Releases releases;
  private final Products products;
  private final long sampleIntervalSeconds;

  SwarmHealth(JdbcClient jdbc, Releases releases, Products products, ShoalProperties properties) {
    this.jdbc = jdbc;
    this.releases = releases;
    this.products = products;
    this.sampleIntervalSeconds = properties.health().sampleInterval().toSeconds();
  }

  /**
   * One time bucket. Peer counts are the highest seen at a sample in the bucket; they and the
   * origin's bytes are null when the control plane took no sample in it (it was not running).
   */
  record HealthBucket(
      Instant start,
      Integer activePeers,
      Integer uploadingPeers,
      long downloads,
      long failures,
      long bytesFromPeers,
      long bytesFromOrigin,
      Double offloadRatio,
      Long originHttpBytes,
      Long originSeederBytes,
      Long originEgressBytes) {}

  /** The whole window; peaks are null when no sample was taken in it. */
  record HealthTotals(
      long downloads,
      long failures,
      long bytesFromPeers,
      long bytesFromOrigin,
      Double offloadRatio,
      long originHttpBytes,
      long originSeederBytes,
      long originEgressBytes,
      Integer peakActivePeers,
      Integer peakUploadingPeers,
      int sampledBuckets) {}

  /** What the chart is of: a release (with its channel and version) or a whole product. */
  record HealthSubject(
      String product, String channel, UUID releaseId, Long version, String displayVersion) {}

  /**
   * @param since when the subject was first published (the release, or the product's first release;
   *     null: never), for a chart of its whole life
   */
  record SwarmHealthSeries(
      HealthSubject subject,
      Instant from,
      Instant to,
      long stepSeconds,
      long sampleIntervalSeconds,
      HealthTotals totals,
      List<HealthBucket> buckets,
      Instant since) {}

  private static final String RELEASE_HASHES =
      "info_hash in (select info_hash from packs where release_id = ?)";
  private static final String PRODUCT_HASHES =
      "info_hash in (select info_hash from packs where product_id = ?)";
  private static final String RELEASE_REPORTS = "release_id = ?";
  private static final String PRODUCT_REPORTS =
      "release_id in (select r.id from releases r join channels c on c.id = r.channel_id"
          + " where c.product_id = ?)";

  SwarmHealthSeries ofRelease(UUID organisationId, UUID releaseId, Window window) {
    Releases.ReleaseView release = releases.view(organisationId, releaseId);
    HealthSubject subject =
        new HealthSubject(
            release.product(),
            release.channel(),
            release.id(),
            release.version(),
            release.displayVersion());
    Instant since = release.publishedAt() == null ? null : release.publishedAt().toInstant();
    return series(subject, window, RELEASE_HASHES, RELEASE_REPORTS, releaseId, since);
  }

  SwarmHealthSeries ofProduct(UUID organisationId, String slug, Window window) {
    Products.Product product = products.get(organisationId, slug);
    HealthSubject subject = new HealthSubject(product.slug(), null, null, null, null);
    Instant since =
        jdbc.sql(
                "select min(r.published_at) from releases r join channels c on c.id = r.channel_id"
                    + " where c.product_id = ?")
            .param(product.id())
            // min() gives one row, null when there is nothing to take the minimum of
            .query((rs, row) -> instant(rs.getObject(1, OffsetDateTime.class)))
            .list()
            .get(0);
    return series(subject, window, PRODUCT_HASHES, PRODUCT_REPORTS, product.id(), since);
  }

  private record Sampled(int bucket, int peers, int uploading, long http, long seeder) {}

  private record Reported(int bucket, long downloads, long failures, long peers, long origin) {}

  private SwarmHealthSeries series(
      HealthSubject subject,
      Window window,
      String hashes,
      String reports,
      UUID subjectId,
      Instant since) {
    OffsetDateTime start = utc(window.start());
    OffsetDateTime end = utc(window.end());
    long step = window.stepSeconds();
    List<Sampled> sampled =
        jdbc.sql(
                "select "
                    + Window.bucketSql("h.sampled_at")
                    + " as bucket, max(coalesce(s.peers, 0)) as peers,"
                    + " max(coalesce(s.uploading, 0)) as uploading,"
                    + " coalesce(sum(e.http), 0) as http, coalesce(sum(e.seeder), 0) as seeder"
                    + " from health_samples h"
                    + " left join lateral (select sum(peers) as peers,"
                    + " sum(uploading_peers) as uploading from swarm_samples"
                    + " where sample_id = h.id and "
                    + hashes
                    + ") s on true"
                    + " left join lateral (select sum(http_bytes) as http,"
                    + " sum(seeder_bytes) as seeder from origin_egress"
                    + " where sample_id = h.id and "
                    + hashes
                    + ") e on true"
                    + " where h.sampled_at >= ? and h.sampled_at < ? group by 1")
            .params(start, step, subjectId, subjectId, start, end)
            .query(Sampled.class)
            .list();
    List<Reported> reported =
        jdbc.sql(
                "select "
                    + Window.bucketSql("received_at")
                    + " as bucket,"
                    // An install from an agent's cache fetched nothing: not a download.
                    + " count(*) filter (where result = 'ok' and not cache_install) as downloads,"
                    + " count(*) filter (where result <> 'ok') as failures,"
                    + " coalesce(sum(bytes_from_peers), 0) as peers,"
                    + " coalesce(sum(bytes_from_origin), 0) as origin"
                    + " from telemetry_reports where "
                    + reports
                    + " and received_at >= ? and received_at < ? group by 1")
            .params(start, step, subjectId, start, end)
            .query(Reported.class)
            .list();
    Sampled[] samples = new Sampled[window.buckets()];
    sampled.forEach(s -> samples[s.bucket()] = s);
    Reported[] reportsIn = new Reported[window.buckets()];
    reported.forEach(r -> reportsIn[r.bucket()] = r);
    List<HealthBucket> buckets = new ArrayList<>(window.buckets());
    for (int i = 0; i < window.buckets(); i++) {
      Sampled s = samples[i];
      Reported r = reportsIn[i] == null ? new Reported(i, 0, 0, 0, 0) : reportsIn[i];
      buckets.add(
          new HealthBucket(
              window.bucketStart(i),
              s == null ? null : s.peers(),
              s == null ? null : s.uploading(),
              r.downloads(),
              r.failures(),
              r.peers(),
              r.origin(),
              ratio(r.peers(), r.origin()),
              s == null ? null : s.http(),
              s == null ? null : s.seeder(),
              s == null ? null : s.http() + s.seeder()));
    }
    return new SwarmHealthSeries(
        subject,
        window.start(),
        window.end(),
        step,
        sampleIntervalSeconds,
        totals(buckets, sampled.size()),
        buckets,
        since);
  }

  private static HealthTotals totals(List<HealthBucket> buckets, int sampledBuckets) {
    long downloads = 0;
    long failures = 0;
    long peers = 0;
    long origin = 0;
    long http = 0;
    long seeder = 0;
    Integer peak = null;
    Integer peakUploading = null;
    for (HealthBucket b : buckets) {
      downloads += b.downloads();
      failures += b.failures();
      peers += b.bytesFromPeers();
      origin += b.bytesFromOrigin();
      if (b.activePeers() != null) {
        http += b.originHttpBytes();
        seeder += b.originSeederBytes();
        peak = peak == null ? b.activePeers() : Math.max(peak, b.activePeers());
        peakUploading =
            peakUploading == null
                ? b.uploadingPeers()
                : Math.max(peakUploading, b.uploadingPeers());
      }
    }
    return new HealthTotals(
        downloads,
        failures,
        peers,
        origin,
        ratio(peers, origin),
        http,
        seeder,
        http + seeder,
        peak,
        peakUploading,
        sampledBuckets);
  }

  static Double ratio(long fromPeers, long fromOrigin) {
    long total = fromPeers + fromOrigin;
    return total == 0 ? null : (double) fromPeers / total;
  }

  static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  private static Instant instant(OffsetDateTime at) {
    return at == null ? null : at.toInstant();
  }
}
