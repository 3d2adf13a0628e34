package dev.shoal.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * helm lint and helm template on the chart, through helm-java (the Helm Go library via JNA: Debian
 * ships no helm binary). No cluster: the rendered objects are parsed and checked here.
 */
@SuppressWarnings("unchecked")
class HelmChartTest {

  private static final Path CHART = Deploy.dir().resolve("helm/shoal");

  /** Values for several replicas behind a load balancer, credentials from an existing Secret. */
  private static final UnaryOperator<TemplateCommand> HA =
      t ->
          t.set("replicaCount", 2)
              .set("tracker.affinity", "infoHash")
              .set("ingress.enabled", true)
              .set("existingSecret", "shoal-credentials")
              .set("database.url", "jdbc:postgresql://postgres.db:5432/shoal")
              .set("persistence.accessModes[0]", "ReadWriteMany")
              .set("metrics.serviceMonitor.enabled", true);

  static List<Map<String, Object>> render(UnaryOperator<TemplateCommand> values) {
    TemplateCommand command =
        new Helm(CHART)
            .template()
            .withName("shoal")
            .withNamespace("games")
            // helm template without a cluster assumes an old Kubernetes; the chart needs 1.25+.
            .withKubeVersion("1.31.0");
    String manifest = values.apply(command).call();
    List<Map<String, Object>> objects = new ArrayList<>();
    for (Object document : new Yaml().loadAll(manifest)) {
      if (document != null) {
        objects.add((Map<String, Object>) document);
      }
    }
    return objects;
  }

  static Map<String, Object> only(List<Map<String, Object>> objects, String kind) {
    List<Map<String, Object>> matching =
        objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
    assertThat(matching).as("objects of kind %s", kind).hasSize(1);
    return matching.get(0);
  }

  static Map<String, Object> map(Object node, String... path) {
    Object current = node;
    for (String key : path) {
      assertThat(current).as("parent of %s", key).isInstanceOf(Map.class);
      current = ((Map<String, Object>) current).get(key);
    }
    return (Map<String, Object>) current;
  }

  static Map<String, Object> container(List<Map<String, Object>> objects) {
    var containers =
        (List<Map<String, Object>>)
            map(only(objects, "Deployment"), "spec", "template", "spec").get("containers");
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  static void assertValidObjects(List<Map<String, Object>> objects) {
    for (Map<String, Object> object : objects) {
      assertThat(object).containsKeys("apiVersion", "kind", "metadata");
      assertThat(map(object, "metadata").get("name"))
          .as("name of a %s", object.get("kind"))
          .isNotNull();
      assertThat((String) map(object, "metadata").get("name")).hasSizeLessThanOrEqualTo(63);
      assertThat(map(object, "metadata", "labels"))
          .containsEntry("app.kubernetes.io/part-of", "shoal");
    }
  }

  @Test
  void helmLintPasses() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void defaultValuesRenderOneHardenedProbedReplica() {
    List<Map<String, Object>> objects = render(t -> t);
    assertValidObjects(objects);
    assertThat(objects)
        .extracting(o -> o.get("kind"))
        .containsExactlyInAnyOrder(
            "ServiceAccount",
            "Secret",
            "ConfigMap",
            "PersistentVolumeClaim",
            "Service",
            "Deployment");
    Map<String, Object> deployment = only(objects, "Deployment");
    assertThat(map(deployment, "spec").get("replicas")).isEqualTo(1);
    assertThat(map(deployment, "spec", "strategy")).containsEntry("type", "Recreate");
    Map<String, Object> podSpec = map(deployment, "spec", "template", "spec");
    assertThat(map(podSpec, "securityContext"))
        .containsEntry("runAsNonRoot", true)
        .containsEntry("runAsUser", 10001);

    Map<String, Object> container = container(objects);
    assertThat(map(container, "startupProbe", "httpGet"))
        .containsEntry("path", "/actuator/health/liveness");
    assertThat(map(container, "livenessProbe", "httpGet"))
        .containsEntry("path", "/actuator/health/liveness");
    assertThat(map(container, "readinessProbe", "httpGet"))
        .containsEntry("path", "/actuator/health/readiness");
    assertThat(map(container, "securityContext"))
        .containsEntry("allowPrivilegeEscalation", false)
        .containsEntry("readOnlyRootFilesystem", true);
    assertThat(map(container, "resources")).containsKeys("requests", "limits");
    assertThat((List<Map<String, Object>>) container.get("ports"))
        .singleElement()
        .satisfies(p -> assertThat(p).containsEntry("containerPort", 8080));
    assertThat((List<Map<String, Object>>) container.get("volumeMounts"))
        .extracting(m -> m.get("mountPath"))
        .containsExactlyInAnyOrder("/var/lib/shoal", "/tmp");

    Map<String, Object> config = map(only(objects, "ConfigMap"), "data");
    assertThat(config)
        .containsEntry("SHOAL_DATA_DIR", "/var/lib/shoal")
        .doesNotContainKey("SPRING_DATASOURCE_URL");
    Map<String, Object> pvc = only(objects, "PersistentVolumeClaim");
    assertThat(map(pvc, "spec", "resources", "requests")).containsEntry("storage", "20Gi");
  }

  @Test
  void severalReplicasWithAffinityAndAnExistingSecret() {
    List<Map<String, Object>> objects = render(HA);
    assertValidObjects(objects);
    assertThat(objects).noneMatch(o -> "Secret".equals(o.get("kind")));
    assertThat(objects).filteredOn(o -> "Ingress".equals(o.get("kind"))).hasSize(2);
    Map<String, Object> deployment = only(objects, "Deployment");
    assertThat(map(deployment, "spec").get("replicas")).isEqualTo(2);
    assertThat(map(deployment, "spec", "strategy")).containsEntry("type", "RollingUpdate");

    var env = (List<Map<String, Object>>) container(objects).get("env");
    for (String name :
        List.of(
            "SPRING_DATASOURCE_USERNAME",
            "SPRING_DATASOURCE_PASSWORD",
            "SHOAL_ADMIN_PASSWORD",
            "SHOAL_MASTER_KEY")) {
      Map<String, Object> variable =
          env.stream().filter(e -> name.equals(e.get("name"))).findFirst().orElseThrow();
      assertThat(map(variable, "valueFrom", "secretKeyRef"))
          .containsEntry("name", "shoal-credentials");
    }
    assertThat(map(only(objects, "ConfigMap"), "data"))
        .containsEntry("SPRING_DATASOURCE_URL", "jdbc:postgresql://postgres.db:5432/shoal");
    assertThat(
            (List<String>) map(only(objects, "PersistentVolumeClaim"), "spec").get("accessModes"))
        .containsExactly("ReadWriteMany");
    Map<String, Object> monitor = only(objects, "ServiceMonitor");
    assertThat(((List<Map<String, Object>>) map(monitor, "spec").get("endpoints")).get(0))
        .containsEntry("path", "/actuator/prometheus")
        .containsEntry("port", "http");
    assertThat(map(only(objects, "PodDisruptionBudget"), "spec"))
        .containsEntry("maxUnavailable", 1);

    Map<String, Object> trackerIngress =
        objects.stream()
            .filter(o -> "Ingress".equals(o.get("kind")))
            .filter(o -> map(o, "metadata").get("name").toString().endsWith("-tracker"))
            .findFirst()
            .orElseThrow();
    assertThat(map(trackerIngress, "metadata", "annotations"))
        .containsEntry("nginx.ingress.kubernetes.io/upstream-hash-by", "$arg_info_hash");
  }

  @Test
  void clientIpAffinitySetsItOnTheService() {
    List<Map<String, Object>> objects =
        render(
            t ->
                HA.apply(t)
                    .set("tracker.affinity", "clientIP")
                    .set("ingress.enabled", false)
                    .set("service.type", "LoadBalancer"));
    Map<String, Object> spec = map(only(objects, "Service"), "spec");
    assertThat(spec)
        .containsEntry("sessionAffinity", "ClientIP")
        .containsEntry("externalTrafficPolicy", "Local");
    assertThat(objects).noneMatch(o -> "Ingress".equals(o.get("kind")));
  }

  @Test
  void refusesSeveralReplicasWithoutTrackerAffinity() {
    assertThatThrownBy(() -> render(t -> HA.apply(t).set("tracker.affinity", "none")))
        .hasMessageContaining("tracker.affinity");
  }

  @Test
  void refusesSeveralReplicasOnAReadWriteOnceVolume() {
    assertThatThrownBy(
            () -> render(t -> HA.apply(t).set("persistence.accessModes[0]", "ReadWriteOnce")))
        .hasMessageContaining("ReadWriteMany");
  }

  @Test
  void refusesSeveralReplicasOnTheEmbeddedDatabase() {
    assertThatThrownBy(() -> render(t -> HA.apply(t).set("database.url", "")))
        .hasMessageContaining("database.url");
  }

  @Test
  void theSchemaRejectsUnknownAffinityAndTypos() {
    assertThatThrownBy(() -> render(t -> t.set("tracker.affinity", "sticky")))
        .hasMessageContaining("affinity");
    assertThatThrownBy(() -> render(t -> t.set("replicaCuont", 2)))
        .hasMessageContaining("replicaCuont");
  }
}
