package dev.shoal.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
              .set("config.publicBaseUrl", "https://shoal.example.com/")
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
            "SHOAL_BOOTSTRAP_API_KEY",
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
        .containsEntry("nginx.ingress.kubernetes.io/upstream-hash-by", "$arg_info_hash")
        .containsEntry("nginx.ingress.kubernetes.io/use-regex", "true");
    // Devices and the origin seeder announce to /<passkey>/announce: that form must be routed too.
    var paths =
        (List<Map<String, Object>>)
            map(
                    ((List<Map<String, Object>>) map(trackerIngress, "spec").get("rules")).get(0),
                    "http")
                .get("paths");
    assertThat(paths)
        .extracting(p -> p.get("path") + " " + p.get("pathType"))
        .containsExactly("/announce Exact", "/[^/]+/announce ImplementationSpecific");
    assertThat("/0123abcd/announce").matches("/[^/]+/announce");
    // Its own Service: ingress-nginx keeps the hash per Service and port.
    assertThat(paths)
        .allSatisfy(
            p -> assertThat(map(p, "backend", "service")).containsEntry("name", "shoal-tracker"));
    assertThat(objects)
        .filteredOn(o -> "Service".equals(o.get("kind")))
        .extracting(o -> map(o, "metadata").get("name"))
        .containsExactlyInAnyOrder("shoal", "shoal-tracker");
    // The main Ingress keeps a browser on the pod that holds its dashboard session.
    Map<String, Object> mainIngress =
        objects.stream()
            .filter(o -> "Ingress".equals(o.get("kind")))
            .filter(o -> "shoal".equals(map(o, "metadata").get("name")))
            .findFirst()
            .orElseThrow();
    assertThat(map(mainIngress, "metadata", "annotations"))
        .containsEntry("nginx.ingress.kubernetes.io/affinity", "cookie")
        .doesNotContainKey("nginx.ingress.kubernetes.io/upstream-hash-by");
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
        .hasMessageContaining("tracker.affinity")
        .hasMessageContaining("redis.url");
  }

  @Test
  void severalReplicasNeedNoAffinityWithAnExternalRedis() {
    List<Map<String, Object>> objects =
        render(
            t ->
                HA.apply(t)
                    .set("tracker.affinity", "none")
                    .set("redis.url", "redis://redis.cache:6379"));
    assertValidObjects(objects);
    assertThat(map(only(objects, "ConfigMap"), "data"))
        .containsEntry("SHOAL_REDIS_URL", "redis://redis.cache:6379");
    assertThat(objects)
        .as("no announce-routing Ingress is needed")
        .filteredOn(o -> "Ingress".equals(o.get("kind")))
        .hasSize(1);
  }

  @Test
  void theChartsOwnRedisIsAMinimalDeploymentTheControlPlaneFinds() {
    List<Map<String, Object>> objects =
        render(t -> HA.apply(t).set("tracker.affinity", "none").set("redis.deploy", true));
    assertValidObjects(objects);
    List<Map<String, Object>> deployments =
        objects.stream().filter(o -> "Deployment".equals(o.get("kind"))).toList();
    assertThat(deployments).hasSize(2);
    Map<String, Object> redis =
        deployments.stream()
            .filter(d -> String.valueOf(map(d, "metadata").get("name")).endsWith("-redis"))
            .findFirst()
            .orElseThrow();
    assertThat(map(redis, "spec", "selector", "matchLabels"))
        .containsEntry("app.kubernetes.io/component", "redis");
    String service =
        objects.stream()
            .filter(o -> "Service".equals(o.get("kind")))
            .map(o -> String.valueOf(map(o, "metadata").get("name")))
            .filter(n -> n.endsWith("-redis"))
            .findFirst()
            .orElseThrow();
    assertThat(
            map(
                objects.stream()
                    .filter(o -> "ConfigMap".equals(o.get("kind")))
                    .findFirst()
                    .orElseThrow(),
                "data"))
        .containsEntry("SHOAL_REDIS_URL", "redis://" + service + ":6379");
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

  // ---------------------------------------------------------------------------------------------
  // The settings the chart passes are the control plane's real ones.

  /** Spring Boot's own settings the chart passes (not in our sources), and the JVM's. */
  private static final Set<String> FRAMEWORK_ENV =
      Set.of(
          "SPRING_DATASOURCE_URL",
          "SPRING_DATASOURCE_USERNAME",
          "SPRING_DATASOURCE_PASSWORD",
          "SERVER_FORWARD_HEADERS_STRATEGY",
          "JAVA_TOOL_OPTIONS",
          // spring.data.redis.url, through the control plane's config.RedisUrlAlias
          "SHOAL_REDIS_URL");

  /** Settings the chart deliberately does not pass, with the reason. */
  private static final Map<String, String> NOT_PASSED =
      Map.of(
          "shoal.embedded-database.port",
          "the embedded PostgreSQL listens on the pod's localhost; its port matters to no one else",
          "shoal.bootstrap.admin-password",
          "passed from the Secret as SHOAL_ADMIN_PASSWORD (application.properties' placeholder)");

  /** ConfigMap values that differ from the control plane's defaults on purpose. */
  private static final Map<String, String> DELIBERATE_DEFAULTS =
      Map.of(
          "shoal.data-dir", "/var/lib/shoal",
          "shoal.origin.seeder-enabled", "false");

  /** Spring's environment-variable form of a property (dashes and dots to underscores). */
  static String envForm(String key) {
    return key.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
  }

  /**
   * Environment variable names application.properties reads through ${NAME:default} placeholders.
   */
  static Map<String, String> placeholders() {
    Map<String, String> byEnv = new HashMap<>();
    Sources.properties(Sources.APPLICATION_PROPERTIES)
        .forEach(
            (key, value) -> {
              var m =
                  java.util.regex.Pattern.compile("\\$\\{([A-Z0-9_]+)(:[^}]*)?}").matcher(value);
              while (m.find()) {
                byEnv.put(m.group(1), key);
              }
            });
    return byEnv;
  }

  @Test
  void everyVariableTheChartPassesIsARealSettingAndEverySettingIsPassed() {
    Map<String, String> settingByEnv = new HashMap<>();
    for (Sources.Setting setting : Sources.shoalSettings()) {
      assertThat(settingByEnv.put(envForm(setting.key()), setting.key()))
          .as("two settings with the environment form of %s", setting.key())
          .isNull();
    }
    settingByEnv.putAll(placeholders());
    assertThat(settingByEnv).containsKeys("SHOAL_ORIGIN_UPLOAD_CAP", "SHOAL_MASTER_KEY");

    List<Map<String, Object>> objects =
        render(
            t ->
                HA.apply(t)
                    .set("config.origin.seederEnabled", true)
                    .set("config.origin.cacheableUrl", "https://cdn.example.com/")
                    .set("redis.url", "redis://redis.cache:6379"));
    Set<String> passed = new java.util.TreeSet<>(map(only(objects, "ConfigMap"), "data").keySet());
    ((List<Map<String, Object>>) container(objects).get("env"))
        .forEach(e -> passed.add((String) e.get("name")));
    for (String env : passed) {
      assertThat(settingByEnv.containsKey(env) || FRAMEWORK_ENV.contains(env))
          .as(
              "%s is neither a shoal setting (ShoalProperties, application.properties) nor Spring's",
              env)
          .isTrue();
    }
    for (Sources.Setting setting : Sources.shoalSettings()) {
      if (!NOT_PASSED.containsKey(setting.key())) {
        assertThat(passed)
            .as("the chart passes %s", setting.key())
            .contains(envForm(setting.key()));
      }
    }
    assertThat(passed).contains("SHOAL_ADMIN_PASSWORD");
  }

  @Test
  void theChartDefaultsAreTheControlPlaneDefaults() {
    Map<String, Object> data = map(only(render(t -> t), "ConfigMap"), "data");
    int compared = 0;
    for (Sources.Setting setting : Sources.shoalSettings()) {
      String env = envForm(setting.key());
      if (!data.containsKey(env)) {
        continue;
      }
      String expected =
          DELIBERATE_DEFAULTS.getOrDefault(
              setting.key(), setting.defaultValue() == null ? "" : setting.defaultValue());
      assertThat(data.get(env)).as("default of %s (%s)", setting.key(), env).isEqualTo(expected);
      compared++;
    }
    assertThat(compared).isGreaterThanOrEqualTo(14);
  }

  @Test
  void theMasterKeyComesFromTheSecretAndIsRequiredWithAnExternalDatabase() {
    String key = Base64.getEncoder().encodeToString(new byte[32]).replace('A', 'k');
    List<Map<String, Object>> objects =
        render(
            t ->
                t.set("database.url", "jdbc:postgresql://db:5432/shoal")
                    .set("database.password", "secret-password")
                    .set("masterKey", key));
    Map<String, Object> secret = map(only(objects, "Secret"), "data");
    assertThat(new String(Base64.getDecoder().decode((String) secret.get("master-key"))))
        .isEqualTo(key);
    Map<String, Object> variable =
        ((List<Map<String, Object>>) container(objects).get("env"))
            .stream()
                .filter(e -> "SHOAL_MASTER_KEY".equals(e.get("name")))
                .findFirst()
                .orElseThrow();
    assertThat(map(variable, "valueFrom", "secretKeyRef"))
        .containsEntry("key", "master-key")
        .containsEntry("optional", false);

    // Required in the existing Secret too.
    Map<String, Object> fromExisting =
        ((List<Map<String, Object>>) container(render(HA)).get("env"))
            .stream()
                .filter(e -> "SHOAL_MASTER_KEY".equals(e.get("name")))
                .findFirst()
                .orElseThrow();
    assertThat(map(fromExisting, "valueFrom", "secretKeyRef")).containsEntry("optional", false);

    assertThatThrownBy(
            () ->
                render(
                    t ->
                        t.set("database.url", "jdbc:postgresql://db:5432/shoal")
                            .set("database.password", "secret-password")))
        .hasMessageContaining("masterKey");
    // Not 32 bytes of base64: refused by the schema, as the control plane would at start-up.
    assertThatThrownBy(() -> render(t -> t.set("masterKey", "not-a-key")))
        .hasMessageContaining("masterKey");
  }

  @Test
  void theOriginUploadCapAndSeederAreSettings() {
    List<Map<String, Object>> objects =
        render(
            t ->
                t.set("config.origin.uploadCap", "10MB")
                    .set("config.origin.seederEnabled", true)
                    .set("config.origin.seederPort", 6881));
    assertThat(map(only(objects, "ConfigMap"), "data"))
        .containsEntry("SHOAL_ORIGIN_UPLOAD_CAP", "10MB")
        .containsEntry("SHOAL_ORIGIN_SEEDER_ENABLED", "true")
        .containsEntry("SHOAL_ORIGIN_SEEDER_PORT", "6881");
    assertThat((List<Map<String, Object>>) container(objects).get("ports"))
        .anySatisfy(
            p ->
                assertThat(p).containsEntry("name", "seeder").containsEntry("containerPort", 6881));
    assertThatThrownBy(() -> render(t -> t.set("config.origin.uploadCap", "10 MB/s")))
        .hasMessageContaining("uploadCap");
    assertThatThrownBy(() -> render(t -> t.set("config.tracker.interval", "soon")))
        .hasMessageContaining("interval");
  }

  /**
   * The schema checks the master key as the control plane does (its @Pattern in ShoalProperties).
   */
  @Test
  void theSchemaChecksTheMasterKeyWithTheControlPlanesPattern() {
    String component =
        Sources.records(Sources.read(Sources.SHOAL_PROPERTIES)).get("ShoalProperties").stream()
            .filter(c -> c.strip().endsWith(" masterKey"))
            .findFirst()
            .orElseThrow();
    var regexp =
        java.util.regex.Pattern.compile("regexp\\s*=\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")
            .matcher(component);
    assertThat(regexp.find()).as(component).isTrue();
    String codePattern = regexp.group(1).replace("\\\\", "\\");
    var schema =
        tools.jackson.databind.json.JsonMapper.builder()
            .build()
            .readTree(Deploy.read("helm/shoal/values.schema.json"));
    assertThat(schema.get("properties").get("masterKey").get("pattern").asString())
        .isEqualTo("^(" + codePattern + ")?$");
  }
}
