package dev.shoal.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The compose stack's Prometheus configuration and alert rules. */
class PrometheusTest {

  private static final String PACKAGE = "prometheus";

  private static Path dir() {
    return Deploy.dir().resolve("compose/prometheus");
  }

  @Test
  void promtoolAcceptsTheConfigAndItsRuleFiles() {
    String promtool = Deploy.tool("promtool", PACKAGE);
    Deploy.Result result = Deploy.run(dir(), promtool, "check", "config", "prometheus.yml");
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("SUCCESS: 1 rule files found");
  }

  @Test
  void promtoolAcceptsTheRules() {
    String promtool = Deploy.tool("promtool", PACKAGE);
    Deploy.Result result = Deploy.run(dir(), promtool, "check", "rules", "alerts.yml");
    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  @Test
  void alertsFireWhenTheyShould() {
    String promtool = Deploy.tool("promtool", PACKAGE);
    Deploy.Result result = Deploy.run(dir(), promtool, "test", "rules", "alerts.test.yml");
    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  @Test
  @SuppressWarnings("unchecked")
  void scrapesTheActuatorOfTheComposeService() {
    Map<String, Object> config = Deploy.yaml("compose/prometheus/prometheus.yml");
    var jobs = (List<Map<String, Object>>) config.get("scrape_configs");
    Map<String, Object> job =
        jobs.stream()
            .filter(j -> "shoal-control-plane".equals(j.get("job_name")))
            .findFirst()
            .orElseThrow();
    assertThat(job.get("metrics_path")).isEqualTo("/actuator/prometheus");
    var targets =
        (List<String>)
            ((List<Map<String, Object>>) job.get("static_configs")).get(0).get("targets");
    // The compose service name and the control plane's port.
    assertThat(targets).containsExactly("control-plane:8080");
    assertThat(Deploy.yaml("compose/compose.yaml"))
        .extractingByKey("services")
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsKey("control-plane");
  }

  @Test
  @SuppressWarnings("unchecked")
  void alertsUseOnlyKnownMetrics() {
    Map<String, Object> rules = Deploy.yaml("compose/prometheus/alerts.yml");
    var groups = (List<Map<String, Object>>) rules.get("groups");
    List<String> names = new java.util.ArrayList<>();
    for (Map<String, Object> group : groups) {
      for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
        String expr = (String) rule.get("expr");
        names.add((String) rule.get("alert"));
        assertThat(Metrics.usedIn(expr))
            .as("metrics of %s", rule.get("alert"))
            .isNotEmpty()
            .isSubsetOf(Metrics.KNOWN);
        assertThat(rule).containsKeys("labels", "annotations");
      }
    }
    assertThat(names)
        .contains(
            "ShoalControlPlaneDown",
            "ShoalHigh5xxRate",
            "ShoalOffloadRatioCollapse",
            "ShoalOriginEgressSpike");
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
}
