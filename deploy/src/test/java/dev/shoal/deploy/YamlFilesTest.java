package dev.shoal.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/** Every YAML file under deploy/ parses and passes yamllint (relaxed: deploy/.yamllint). */
class YamlFilesTest {

  /**
   * YAML files, without build output and Helm templates (Go templates, not YAML until rendered).
   */
  static List<Path> yamlFiles() throws IOException {
    Path dir = Deploy.dir();
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
          .filter(p -> !dir.relativize(p).startsWith("target"))
          .filter(p -> !dir.relativize(p).startsWith(Path.of("helm", "shoal", "templates")))
          .sorted()
          .toList();
    }
  }

  @Test
  void everyYamlFileParses() throws IOException {
    List<Path> files = yamlFiles();
    assertThat(files)
        .extracting(p -> Deploy.dir().relativize(p).toString())
        .contains(
            "compose/compose.yaml",
            "compose/prometheus/prometheus.yml",
            "compose/prometheus/alerts.yml",
            "compose/grafana/provisioning/datasources/prometheus.yml",
            "compose/grafana/provisioning/dashboards/shoal.yml",
            "helm/shoal/Chart.yaml",
            "helm/shoal/values.yaml");
    for (Path file : files) {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      assertThatCode(
              () -> {
                for (Object document : new Yaml().loadAll(text)) {
                  assertThat(document).as("%s has an empty document", file).isNotNull();
                }
              })
          .as("%s parses", file)
          .doesNotThrowAnyException();
    }
  }

  @Test
  void yamllintAcceptsThem() throws IOException {
    String yamllint = Deploy.tool("yamllint", "yamllint");
    Path dir = Deploy.dir();
    var command =
        new java.util.ArrayList<>(
            List.of(yamllint, "--strict", "-f", "parsable", "-c", ".yamllint"));
    yamlFiles().forEach(p -> command.add(dir.relativize(p).toString()));
    Deploy.Result result = Deploy.run(dir, command.toArray(String[]::new));
    assertThat(result.output()).as("yamllint output").isEmpty();
    assertThat(result.exitCode()).isZero();
  }

  /** The lint can fail: a duplicated key and a bad indentation are reported with this config. */
  @Test
  void yamllintRejectsABrokenFile(@TempDir Path work) throws IOException {
    String yamllint = Deploy.tool("yamllint", "yamllint");
    Path broken = work.resolve("broken.yml");
    Files.writeString(broken, "a: 1\na: 2\nlist:\n   - x\n");
    Deploy.Result result =
        Deploy.run(
            Deploy.dir(),
            yamllint,
            "--strict",
            "-f",
            "parsable",
            "-c",
            ".yamllint",
            broken.toString());
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.output()).contains("key-duplicates").contains("indentation");
  }
}
