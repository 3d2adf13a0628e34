package dev.shoal.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** compose.yaml is wired: images, health checks, start order, volumes, files it mounts. */
@SuppressWarnings("unchecked")
class ComposeTest {

  private static final Map<String, Object> COMPOSE = Deploy.yaml("compose/compose.yaml");

  private static Map<String, Object> services() {
    return (Map<String, Object>) COMPOSE.get("services");
  }

  private static Map<String, Object> service(String name) {
    Map<String, Object> service = (Map<String, Object>) services().get(name);
    assertThat(service).as("service %s", name).isNotNull();
    return service;
  }

  @Test
  void hasTheFiveServices() {
    assertThat(services())
        .containsOnlyKeys("postgres", "redis", "control-plane", "prometheus", "grafana");
  }

  @Test
  void theControlPlaneWaitsForAHealthyRedisAndUsesIt() {
    Map<String, Object> cp = service("control-plane");
    var dependsOn = (Map<String, Map<String, Object>>) cp.get("depends_on");
    assertThat(dependsOn.get("redis")).containsEntry("condition", "service_healthy");
    var env = (Map<String, Object>) cp.get("environment");
    assertThat(env).containsEntry("SHOAL_REDIS_URL", "redis://redis:6379");
    assertThat(service("redis")).containsKey("healthcheck");
  }

  @Test
  void postgresIs17AndHasAHealthCheckWithPgIsready() {
    Map<String, Object> postgres = service("postgres");
    assertThat(postgres.get("image")).isEqualTo("postgres:17");
    var healthcheck = (Map<String, Object>) postgres.get("healthcheck");
    assertThat(String.join(" ", (List<String>) healthcheck.get("test"))).contains("pg_isready");
    assertThat(healthcheck).containsKeys("interval", "timeout", "retries");
    assertThat((List<String>) postgres.get("volumes"))
        .contains("postgres-data:/var/lib/postgresql/data");
  }

  @Test
  void controlPlaneWaitsForAHealthyDatabaseAndUsesIt() {
    Map<String, Object> cp = service("control-plane");
    var dependsOn = (Map<String, Map<String, Object>>) cp.get("depends_on");
    assertThat(dependsOn.get("postgres")).containsEntry("condition", "service_healthy");
    var env = (Map<String, Object>) cp.get("environment");
    assertThat((String) env.get("SPRING_DATASOURCE_URL"))
        .startsWith("jdbc:postgresql://postgres:5432/");
    assertThat(env)
        .containsKeys("SPRING_DATASOURCE_USERNAME", "SPRING_DATASOURCE_PASSWORD", "SHOAL_DATA_DIR");
    // No secret in the file itself: the password comes from .env.
    assertThat((String) env.get("SPRING_DATASOURCE_PASSWORD")).startsWith("${");
    assertThat((List<String>) cp.get("ports")).contains("8080:8080");
    assertThat((List<String>) cp.get("volumes"))
        .contains("shoal-data:" + env.get("SHOAL_DATA_DIR"));
  }

  @Test
  void controlPlaneBuildsFromTheDockerfile() {
    var build = (Map<String, Object>) service("control-plane").get("build");
    Path context =
        Deploy.dir().resolve("compose").resolve((String) build.get("context")).normalize();
    assertThat(context.resolve("pom.xml")).as("context is the repository root").isRegularFile();
    assertThat(context.resolve((String) build.get("dockerfile"))).isRegularFile();
  }

  @Test
  void everyNamedVolumeIsDeclaredAndEveryBindMountExists() {
    var declared = ((Map<String, Object>) COMPOSE.get("volumes")).keySet();
    for (var entry : services().entrySet()) {
      var volumes =
          (List<String>)
              ((Map<String, Object>) entry.getValue()).getOrDefault("volumes", List.of());
      for (String volume : volumes) {
        String source = volume.split(":")[0];
        if (source.startsWith(".") || source.startsWith("/")) {
          assertThat(Files.exists(Deploy.dir().resolve("compose").resolve(source)))
              .as("bind mount %s of %s", source, entry.getKey())
              .isTrue();
        } else {
          assertThat(declared).as("named volume of %s", entry.getKey()).contains(source);
        }
      }
    }
    assertThat(declared).contains("postgres-data", "shoal-data");
  }

  @Test
  void prometheusAndGrafanaAreWired() {
    assertThat((List<String>) service("prometheus").get("volumes"))
        .contains(
            "./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
            "./prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro");
    assertThat((List<String>) service("grafana").get("volumes"))
        .contains("./grafana/provisioning:/etc/grafana/provisioning:ro");
    var grafanaDeps = (Map<String, Map<String, Object>>) service("grafana").get("depends_on");
    assertThat(grafanaDeps.get("prometheus")).containsEntry("condition", "service_healthy");
    assertThat(service("prometheus")).containsKey("healthcheck");
  }

  @Test
  void theEnvExampleNamesEveryRequiredVariable() {
    String example = Deploy.read("compose/.env.example");
    String compose = Deploy.read("compose/compose.yaml");
    var required = java.util.regex.Pattern.compile("\\$\\{(\\w+):\\?").matcher(compose);
    int count = 0;
    while (required.find()) {
      assertThat(example).contains(required.group(1) + "=");
      count++;
    }
    assertThat(count).isPositive();
  }

  /** Every SHOAL_* variable compose sets is a real setting, the master key is required. */
  @Test
  void theControlPlaneVariablesAreRealSettings() {
    var env = (Map<String, Object>) service("control-plane").get("environment");
    java.util.Set<String> known = new java.util.HashSet<>(HelmChartTest.placeholders().keySet());
    Sources.shoalSettings().forEach(s -> known.add(HelmChartTest.envForm(s.key())));
    known.add("SHOAL_REDIS_URL"); // spring.data.redis.url, through config.RedisUrlAlias
    for (String name : env.keySet()) {
      if (name.startsWith("SHOAL_")) {
        assertThat(known).as("%s is a control-plane setting", name).contains(name);
      }
    }
    assertThat((String) env.get("SHOAL_MASTER_KEY")).startsWith("${SHOAL_MASTER_KEY:?");
    assertThat((String) env.get("SHOAL_ORIGIN_UPLOAD_CAP"))
        .startsWith("${SHOAL_ORIGIN_UPLOAD_CAP:-");
    // The seeder's fixed port is the one published.
    String seederPort = (String) env.get("SHOAL_ORIGIN_SEEDER_PORT");
    assertThat((List<String>) service("control-plane").get("ports"))
        .contains(seederPort + ":" + seederPort + "/tcp");
  }
}
