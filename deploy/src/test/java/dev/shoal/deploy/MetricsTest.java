package dev.shoal.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The list of exported metrics that dashboards, alerts and docs are checked against. */
class MetricsTest {

  @Test
  void theControlPlaneSourcesGiveTheMetricsOfTheIssue() {
    // If the source scan broke, these would disappear and every dashboard check would be vacuous.
    assertThat(Metrics.known().samples())
        .contains(
            "shoal_telemetry_peer_bytes_total",
            "shoal_telemetry_downloads_total",
            "shoal_telemetry_cache_installs_total",
            "shoal_origin_seeder_egress_bytes_total",
            "shoal_origin_egress_bytes_total",
            "shoal_tracker_active_peers",
            "shoal_tracker_announces_total",
            "shoal_publish_duration_seconds_count",
            "shoal_publish_duration_seconds_sum",
            "shoal_publish_duration_seconds_max",
            "shoal_errors_total",
            "http_server_requests_seconds_count",
            "up");
  }

  /**
   * The Prometheus endpoint may be public (shoal.ops.prometheus-public): no meter is labelled by
   * anything of one tenant. Per-tenant figures are served by GET /api/v1/metrics.
   */
  @Test
  void noMeterCarriesATenantLabel() {
    Set<String> tenantLabels =
        Set.of("release", "product", "organisation", "organization", "org", "device", "player");
    assertThat(Metrics.declaredInControlPlane())
        .isNotEmpty()
        .allSatisfy(
            m -> assertThat(m.tagKeys()).as(m.name()).doesNotContainAnyElementsOf(tenantLabels));
  }

  @Test
  void micrometerNamingIsApplied() {
    var meters =
        Metrics.declaredIn(
            """
            class X {
              X(MeterRegistry r) {
                // Counter.builder("commented.out") is not a meter
                Counter.builder("shoal.sent").baseUnit("bytes").tag("peer", p).register(r);
                Gauge.builder("shoal.queue.depth", q, Q::size).register(r);
                this.t = Timer.builder("shoal.step.duration");
                Timer.builder("shoal.histogrammed").publishPercentileHistogram().register(r);
              }
              void done() { t.tag("result", "ok").register(r).record(d); }
            }
            """,
            "X.java",
            Map.of());
    assertThat(meters)
        .extracting(Metrics.Declared::name)
        .containsExactly(
            "shoal.sent", "shoal.queue.depth", "shoal.step.duration", "shoal.histogrammed");
    assertThat(meters.get(2).tagKeys()).containsExactly("result");
    Set<String> samples = Metrics.export(meters).samples();
    assertThat(samples)
        .contains(
            "shoal_sent_bytes_total",
            "shoal_queue_depth",
            "shoal_step_duration_seconds_count",
            "shoal_step_duration_seconds_max",
            "shoal_histogrammed_seconds_bucket")
        .doesNotContain("shoal_step_duration_seconds_bucket", "commented_out_total");
  }

  @Test
  void aHistogramTurnedOnInApplicationPropertiesGivesBuckets() {
    var meters =
        Metrics.declaredIn(
            "class X { Timer t = Timer.builder(\"shoal.step.duration\").register(r); }",
            "X.java",
            Map.of("management.metrics.distribution.percentiles-histogram.shoal.step", "true"));
    assertThat(Metrics.export(meters).samples()).contains("shoal_step_duration_seconds_bucket");
  }

  @Test
  void aMeterRegisteredAnotherWayFailsTheScanInsteadOfBeingMissed() {
    assertThatThrownBy(
            () ->
                Metrics.declaredIn(
                    "class X { X(MeterRegistry r) { r.counter(\"shoal.hidden\").increment(); } }",
                    "X.java",
                    Map.of()))
        .hasMessageContaining("X.java");
  }

  @Test
  void aQueryOnAMetricTheControlPlaneDoesNotExportIsCaught() {
    // The timer publishes no histogram, so a quantile panel would stay empty: refused.
    assertThat(
            Metrics.usedIn(
                "histogram_quantile(0.95, sum by (le) (rate(shoal_publish_duration_seconds_bucket[5m])))"))
        .isNotEmpty()
        .allSatisfy(name -> assertThat(Metrics.known().samples()).doesNotContain(name));
  }

  @Test
  void metricExtractionSeesThroughSelectorsAndFunctions() {
    assertThat(
            Metrics.usedIn(
                "histogram_quantile(0.95, sum by (le) (rate(shoal_publish_duration_seconds_bucket{instance=~\"$instance\"}[$__rate_interval])))"))
        .containsExactly("shoal_publish_duration_seconds_bucket");
    assertThat(Metrics.usedIn("sum(rate(shoal_unknown_total[5m])) / sum(rate(up[5m])) > 3e6"))
        .containsExactly("shoal_unknown_total", "up");
  }

  /** Metric names written in the docs exist too (a sample name or a family name). */
  @Test
  void everyShoalMetricNamedInTheDocsExists() {
    // Not part of a longer word or of a dashed name (the Compose volume shoal_shoal-data).
    Pattern name = Pattern.compile("(?<![\\w-])shoal_[a-z_]*[a-z](?![\\w-])");
    Set<String> unknown = new TreeSet<>();
    for (String doc :
        new String[] {
          "control-plane/README.md",
          "deploy/README.md",
          "deploy/helm/shoal/README.md",
          "docs/operations.md"
        }) {
      Matcher m = name.matcher(Sources.read(doc));
      while (m.find()) {
        if (!Metrics.known().knows(m.group())) {
          unknown.add(doc + ": " + m.group());
        }
      }
    }
    assertThat(unknown).isEmpty();
  }
}
