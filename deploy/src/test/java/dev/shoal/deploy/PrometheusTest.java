package dev.shoal.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
            .isSubsetOf(Metrics.known().samples());
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

  /** The checks above can fail: promtool rejects a broken copy of the config and of the rules. */
  @Test
  void promtoolRejectsABrokenConfigAndABrokenRule(@TempDir Path work) throws IOException {
    String promtool = Deploy.tool("promtool", PACKAGE);
    Files.writeString(
        work.resolve("prometheus.yml"),
        Deploy.read("compose/prometheus/prometheus.yml")
            .replace("scrape_interval: 15s", "scrape_interval: fifteen"));
    Files.writeString(work.resolve("alerts.yml"), Deploy.read("compose/prometheus/alerts.yml"));
    Deploy.Result config = Deploy.run(work, promtool, "check", "config", "prometheus.yml");
    assertThat(config.exitCode()).as(config.output()).isNotZero();

    Files.writeString(
        work.resolve("alerts.yml"),
        Deploy.read("compose/prometheus/alerts.yml")
            .replace("expr: up{job=\"shoal-control-plane\"} == 0", "expr: up{job=} == 0"));
    Deploy.Result rules = Deploy.run(work, promtool, "check", "rules", "alerts.yml");
    assertThat(rules.exitCode()).as(rules.output()).isNotZero();
  }

  /** Each alert is exercised by a promtool unit test that expects it to fire. */
  @Test
  @SuppressWarnings("unchecked")
  void everyAlertHasAFiringUnitTest() {
    Set<String> alerts = new TreeSet<>();
    for (Map<String, Object> group :
        (List<Map<String, Object>>) Deploy.yaml("compose/prometheus/alerts.yml").get("groups")) {
      for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
        alerts.add((String) rule.get("alert"));
      }
    }
    Set<String> firing = new TreeSet<>();
    for (Map<String, Object> test :
        (List<Map<String, Object>>)
            Deploy.yaml("compose/prometheus/alerts.test.yml").get("tests")) {
      for (Map<String, Object> check :
          (List<Map<String, Object>>) test.getOrDefault("alert_rule_test", List.of())) {
        if (!((List<Object>) check.getOrDefault("exp_alerts", List.of())).isEmpty()) {
          firing.add((String) check.get("alertname"));
        }
      }
    }
    assertThat(firing).isEqualTo(alerts);
  }
}
