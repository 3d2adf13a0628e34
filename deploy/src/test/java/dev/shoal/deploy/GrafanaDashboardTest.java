package dev.shoal.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The provisioned Grafana dashboard and data source. */
class GrafanaDashboardTest {

  private static final String DASHBOARD = "compose/grafana/dashboards/shoal-overview.json";

  private static JsonNode dashboard() {
    return JsonMapper.builder().build().readTree(Deploy.read(DASHBOARD));
  }

  @Test
  void hasThePanelsOfTheIssue() {
    List<String> titles = new ArrayList<>();
    dashboard().get("panels").forEach(p -> titles.add(p.get("title").asString()));
    assertThat(titles)
        .containsExactlyInAnyOrder(
            "Offload ratio (all organisations)",
            "Origin egress",
            "Active peers",
            "Announces per second",
            "Publish duration",
            "Errors");
    assertThat(dashboard().get("uid").asString()).isEqualTo("shoal-overview");
    // Every panel shows a metric the control plane exports today: nothing is "planned" any more.
    assertThat(dashboard().toString()).doesNotContainIgnoringCase("planned");
  }

  @Test
  void everyQueryUsesKnownMetricsOnly() {
    int queries = 0;
    for (JsonNode panel : dashboard().get("panels")) {
      assertThat(panel.get("targets").size()).as("targets of %s", panel.get("title")).isPositive();
      for (JsonNode target : panel.get("targets")) {
        String expr = target.get("expr").asString();
        assertThat(Metrics.usedIn(expr))
            .as("metrics in %s: %s", panel.get("title"), expr)
            .isNotEmpty()
            .isSubsetOf(Metrics.known().samples());
        queries++;
      }
    }
    for (JsonNode variable : dashboard().get("templating").get("list")) {
      String query = variable.get("definition").asString();
      String selector = query.replaceAll("^label_values\\((.*),\\s*\\w+\\)$", "$1");
      assertThat(Metrics.usedIn(selector)).as(query).isSubsetOf(Metrics.known().samples());
    }
    assertThat(queries).isGreaterThanOrEqualTo(6);
  }

  @Test
  @SuppressWarnings("unchecked")
  void panelsUseTheProvisionedDataSource() {
    Map<String, Object> provisioning =
        Deploy.yaml("compose/grafana/provisioning/datasources/prometheus.yml");
    var sources = (List<Map<String, Object>>) provisioning.get("datasources");
    assertThat(sources).hasSize(1);
    Map<String, Object> source = sources.get(0);
    assertThat(source)
        .containsEntry("type", "prometheus")
        .containsEntry("url", "http://prometheus:9090");
    for (JsonNode panel : dashboard().get("panels")) {
      assertThat(panel.get("datasource").get("uid").asString()).isEqualTo(source.get("uid"));
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theDashboardProviderReadsTheMountedDirectory() {
    Map<String, Object> provider = Deploy.yaml("compose/grafana/provisioning/dashboards/shoal.yml");
    var providers = (List<Map<String, Object>>) provider.get("providers");
    var options = (Map<String, Object>) providers.get(0).get("options");
    Map<String, Object> compose = Deploy.yaml("compose/compose.yaml");
    var grafana =
        (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get("grafana");
    assertThat((List<String>) grafana.get("volumes"))
        .contains("./grafana/dashboards:" + options.get("path") + ":ro");
  }
}
