package dev.shoal.controlplane.telemetry;

import dev.shoal.controlplane.product.Products;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * The per-release figures that used to be public Prometheus labels, now for one organisation at a
 * time: what its devices reported (downloads, failures, cache installs, bytes by source) and what
 * the origin served for its packs (HTTP and seeder, as sampled for swarm health). The offload ratio
 * is peers' bytes over peers' plus origin's served bytes: the origin's side is measured where it is
 * sent, not believed from devices. A rollback shares its target's packs, so what they served is
 * counted once, under the target. Each product's figures are the sums of its releases'.
 */
@Service
class TenantMetrics {

  private final JdbcClient jdbc;
  private final Products products;

  TenantMetrics(JdbcClient jdbc, Products products) {
    this.jdbc = jdbc;
    this.products = products;
  }

  /** The counts of one release, or summed over a product. */
  record Figures(
      long downloads,
      long failures,
      long cacheInstalls,
      long bytesFromPeers,
      long reportedBytesFromOrigin,
      long originHttpBytes,
      long originSeederBytes,
      Double offloadRatio) {

    static Figures of(
        long downloads,
        long failures,
        long cacheInstalls,
        long peers,
        long reportedOrigin,
        long http,
        long seeder) {
      long total = peers + http + seeder;
      return new Figures(
          downloads,
          failures,
          cacheInstalls,
          peers,
          reportedOrigin,
          http,
          seeder,
          total == 0 ? null : (double) peers / total);
    }

    Figures plus(Figures o) {
      return of(
          downloads + o.downloads,
          failures + o.failures,
          cacheInstalls + o.cacheInstalls,
          bytesFromPeers + o.bytesFromPeers,
          reportedBytesFromOrigin + o.reportedBytesFromOrigin,
          originHttpBytes + o.originHttpBytes,
          originSeederBytes + o.originSeederBytes);
    }
  }

  record ReleaseMetrics(
      UUID releaseId,
      String product,
      String channel,
      long version,
      String displayVersion,
      Figures figures) {}

  record ProductMetrics(String product, Figures figures) {}

  record OrganisationMetrics(List<ProductMetrics> products, List<ReleaseMetrics> releases) {}

  private record Row(
      UUID releaseId,
      String product,
      String channel,
      long version,
      String displayVersion,
      long downloads,
      long failures,
      long cacheInstalls,
      long peers,
      long origin,
      long http,
      long seeder) {}

  /**
   * The figures of the organisation's releases (of one product when {@code slug} is set; another
   * organisation's product is not found), newest first per product.
   */
  OrganisationMetrics of(UUID organisationId, String slug) {
    UUID productId = slug == null ? null : products.get(organisationId, slug).id();
    List<Row> rows =
        jdbc.sql(
                "select r.id as release_id, p.slug as product, c.name as channel, r.version,"
                    + " r.display_version, coalesce(t.downloads, 0) as downloads,"
                    + " coalesce(t.failures, 0) as failures,"
                    + " coalesce(t.cache_installs, 0) as cache_installs,"
                    + " coalesce(t.bytes_from_peers, 0) as peers,"
                    + " coalesce(t.bytes_from_origin, 0) as origin,"
                    + " coalesce(e.http, 0) as http, coalesce(e.seeder, 0) as seeder"
                    + " from releases r join channels c on c.id = r.channel_id"
                    + " join products p on p.id = c.product_id"
                    + " left join release_telemetry t on t.release_id = r.id"
                    + " left join lateral (select sum(o.http_bytes) as http,"
                    + " sum(o.seeder_bytes) as seeder from origin_egress o"
                    + " where o.info_hash in (select k.info_hash from packs k"
                    + " where k.release_id = r.id) and r.rollback_of is null) e on true"
                    + " where p.organisation_id = ? and (cast(? as uuid) is null or p.id = ?)"
                    + " order by p.slug, c.name, r.version desc")
            .params(organisationId, productId, productId)
            .query(Row.class)
            .list();
    List<ReleaseMetrics> releases = new ArrayList<>(rows.size());
    Map<String, Figures> byProduct = new LinkedHashMap<>();
    for (Row r : rows) {
      Figures f =
          Figures.of(
              r.downloads(),
              r.failures(),
              r.cacheInstalls(),
              r.peers(),
              r.origin(),
              r.http(),
              r.seeder());
      releases.add(
          new ReleaseMetrics(
              r.releaseId(), r.product(), r.channel(), r.version(), r.displayVersion(), f));
      byProduct.merge(r.product(), f, Figures::plus);
    }
    List<ProductMetrics> productList = new ArrayList<>();
    byProduct.forEach((p, f) -> productList.add(new ProductMetrics(p, f)));
    return new OrganisationMetrics(productList, releases);
  }
}
