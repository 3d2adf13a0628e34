package dev.shoal.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docs/operations.md documents every setting the code has, with the default the code has: the lists
 * are read from the sources (ShoalProperties, application.properties, AgentConfig, the CLI's
 * picocli annotations), so a new setting without documentation, or a changed default, fails here.
 */
class OperationsDocTest {

  private static final String DOC = "docs/operations.md";

  private static String doc() {
    return Sources.read(DOC);
  }

  /** The table row (a line starting with "|") that names {@code `key`} in its first cell. */
  private static String row(String key) {
    for (String line : doc().lines().toList()) {
      if (line.startsWith("| `" + key + "`")) {
        return line;
      }
    }
    return null;
  }

  @Test
  void everyShoalSettingHasARowWithItsDefault() {
    List<String> problems = new ArrayList<>();
    List<Sources.Setting> settings = Sources.shoalSettings();
    assertThat(settings)
        .extracting(Sources.Setting::key)
        .contains("shoal.master-key", "shoal.origin.upload-cap", "shoal.data-dir");
    for (Sources.Setting setting : settings) {
      String row = row(setting.key());
      if (row == null) {
        problems.add(setting.key() + ": no row starting with | `" + setting.key() + "`");
        continue;
      }
      String defaultCell = row.split("\\|")[2];
      if (setting.defaultValue() == null || setting.defaultValue().isEmpty()) {
        if (!defaultCell.contains("unset") && !defaultCell.contains("empty")) {
          problems.add(setting.key() + ": default cell should say unset/empty: " + defaultCell);
        }
      } else if (!defaultCell.contains("`" + setting.defaultValue() + "`")) {
        problems.add(
            setting.key()
                + ": default cell should contain `"
                + setting.defaultValue()
                + "`: "
                + defaultCell);
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everyApplicationPropertyIsListedWithItsValue() {
    Map<String, String> properties = Sources.properties(Sources.APPLICATION_PROPERTIES);
    assertThat(properties).containsKey("management.endpoint.health.probes.enabled");
    List<String> problems = new ArrayList<>();
    properties.forEach(
        (key, value) -> {
          String row = row(key);
          if (row == null) {
            problems.add(key + ": no row");
          } else if (!row.contains("`" + value + "`")) {
            problems.add(key + ": row should contain `" + value + "`: " + row);
          }
        });
    assertThat(problems).isEmpty();
  }

  @Test
  void everyAgentSettingAndCliFlagIsDocumented() {
    String doc = doc();
    List<String> components = Sources.agentConfigComponents();
    assertThat(components).contains("dataDir", "tickInterval");
    for (String component : components) {
      assertThat(doc).as("AgentConfig.%s", component).contains("`" + component + "`");
    }
    List<String> options = Sources.agentCliOptions();
    assertThat(options).contains("--data-dir", "--port", "--control-plane");
    for (String option : options) {
      assertThat(doc).as("CLI option %s", option).contains(option);
    }
    List<String> commands = Sources.agentCliCommands();
    assertThat(commands).contains("shoal-agent", "run", "status");
    for (String command : commands) {
      assertThat(doc).as("CLI command %s", command).contains("`" + command);
    }
  }

  @Test
  void theSectionsOfTheIssueAreThere() {
    assertThat(doc().lines().filter(l -> l.startsWith("## ")).toList())
        .contains(
            "## Configuration reference",
            "## Backups",
            "## Key rotation",
            "## Scaling out",
            "## Metrics and alerts");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyAlertIsExplained() {
    String doc = doc();
    for (Map<String, Object> group :
        (List<Map<String, Object>>) Deploy.yaml("compose/prometheus/alerts.yml").get("groups")) {
      for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
        assertThat(doc).contains("`" + rule.get("alert") + "`");
      }
    }
  }

  /** The key rotation endpoints the doc names are mapped by the control plane's KeysController. */
  @Test
  void theRotationEndpointsExist() {
    String controller =
        Sources.read("control-plane/src/main/java/dev/shoal/controlplane/keys/KeysController.java");
    for (String endpoint :
        List.of(
            "POST /api/v1/keys/signing/rotate",
            "POST /api/v1/products/{slug}/content-keys/rotate",
            "GET /api/v1/trust-root/rotations")) {
      String method = endpoint.startsWith("POST") ? "@PostMapping(" : "@GetMapping(";
      String path = endpoint.substring(endpoint.indexOf(' ') + 1);
      assertThat(controller).contains(method + "\"" + path + "\"");
      assertThat(doc()).contains(endpoint);
    }
  }

  /** The metrics table lists every metric the control plane's sources register. */
  @Test
  void everyShoalMetricIsInTheMetricsTable() {
    String doc = doc();
    for (String sample : Metrics.known().samples()) {
      if (!sample.startsWith("shoal_")) {
        continue;
      }
      String stem = sample.replaceAll("_(count|sum|max|bucket)$", "");
      assertThat(row(sample) != null || row(stem) != null)
          .as("a row for %s in the metrics table", sample)
          .isTrue();
    }
  }
}
