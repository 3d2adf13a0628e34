package dev.shoal.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real control plane, started from its built {@code -exec} jar (the one the Docker image ships)
 * with the environment variables the deploy files set, then scraped: the metric names it really
 * serves must be ones {@link Metrics} derives from the sources, and the ones the dashboard and
 * alerts rely on must appear once the events that create them happened (a publish, an announce, a
 * request). Slow (about a minute: embedded PostgreSQL, Spring, a publish), so only with -Pslow;
 * skipped, visibly, when the jar has not been built.
 */
@Tag("slow")
class ControlPlaneScrapeTest {

  private static final String PASSWORD = "deploy-checks-admin-password";

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private String base;

  @Test
  void theScrapedMetricsAreTheDerivedOnes(@TempDir Path data) throws Exception {
    Path jar =
        Sources.root()
            .resolve(
                "control-plane/target/control-plane-"
                    + System.getProperty("shoal.version", "0.1.0-SNAPSHOT")
                    + "-exec.jar");
    assumeTrue(Files.isRegularFile(jar), "control-plane -exec jar not built: " + jar);

    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    base = "http://127.0.0.1:" + port;
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Path log = data.resolve("control-plane.log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-XX:TieredStopAtLevel=1",
                "-jar",
                jar.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    // The variables compose.yaml and the chart's ConfigMap/Secret set.
    builder
        .environment()
        .putAll(
            Map.of(
                "SERVER_PORT",
                Integer.toString(port),
                "SHOAL_DATA_DIR",
                data.resolve("state").toString(),
                "SHOAL_MASTER_KEY",
                Base64.getEncoder().encodeToString(key),
                "SHOAL_ADMIN_PASSWORD",
                PASSWORD,
                "SHOAL_OPS_PROMETHEUS_PUBLIC",
                "true",
                "SHOAL_ORIGIN_SEEDER_ENABLED",
                "false",
                "SHOAL_ORIGIN_UPLOAD_CAP",
                "10MB",
                "SERVER_FORWARD_HEADERS_STRATEGY",
                "native"));
    builder.environment().remove("SPRING_DATASOURCE_URL");
    Process process = builder.start();
    try {
      awaitReady(process, log);
      // SHOAL_MASTER_KEY was taken: no key generated next to the data.
      assertThat(data.resolve("state/master.key")).doesNotExist();

      publishARelease();
      get("/announce?passkey=unknown&info_hash=x");
      get("/api/v1/nothing-here");

      Set<String> scraped = new TreeSet<>();
      for (String line : get("/actuator/prometheus").body().split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          scraped.add(line.split("[{ ]", 2)[0]);
        }
      }
      Set<String> ours = new TreeSet<>();
      scraped.stream().filter(n -> n.startsWith("shoal_")).forEach(ours::add);
      assertThat(ours)
          .as("shoal metrics served")
          .isNotEmpty()
          .isSubsetOf(Metrics.known().samples());
      assertThat(scraped)
          .contains(
              "shoal_publish_duration_seconds_count",
              "shoal_publish_duration_seconds_sum",
              "shoal_publish_duration_seconds_max",
              "shoal_tracker_announces_total",
              "shoal_tracker_active_peers",
              "shoal_origin_egress_bytes_total",
              "http_server_requests_seconds_count")
          // No histogram: a quantile panel would stay empty.
          .doesNotContain("shoal_publish_duration_seconds_bucket");
    } finally {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private void awaitReady(Process process, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        fail("the control plane exited: " + Files.readString(log));
      }
      try {
        if (get("/actuator/health/readiness").statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(500);
    }
    fail("the control plane was not ready within 240 s: " + Files.readString(log));
  }

  /** Signs in as the first admin, makes an API key, and publishes a tiny build through the API. */
  private void publishARelease() {
    String token =
        ApiClient.signedIn(base, "admin", PASSWORD)
            .post("/api/v1/api-keys", Map.of("name", "ci", "role", "ADMIN"))
            .assertSuccess()
            .json()
            .get("token")
            .asString();
    Publisher publisher = Publisher.of(base, token).product("demo", "live");
    byte[] content = GameBuilds.bytes(new SecureRandom().nextLong(), 200_000);
    String upload = publisher.upload("demo", Map.of("game.bin", content));
    String release = publisher.requestRelease("demo", "live", upload, "1.0.0");
    publisher.awaitReady(release, Duration.ofSeconds(60), Duration.ofMillis(300), new HashMap<>());
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  private HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return http.send(
        request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
