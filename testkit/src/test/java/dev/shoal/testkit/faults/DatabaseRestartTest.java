package dev.shoal.testkit.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.testkit.AgentDevices;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.Announces;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import dev.shoal.testsupport.Publisher.Release;
import dev.shoal.testsupport.Response;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * PostgreSQL crashes under a running control plane and comes back on its own. The control plane
 * runs on a PostgreSQL of its own (this test must not stop the one the other tests share): a zonky
 * embedded server on a data directory and port of this test. The crash is PostgreSQL's own
 * "immediate" shutdown (no checkpoint, every connection cut: what a power cut or an OOM kill of the
 * postmaster leaves, recovered from the WAL at the next start).
 */
class DatabaseRestartTest {

  @TempDir Path temp;

  @Test
  void requestsFailWithAProblemWhilePostgresIsDownAndSucceedAgainOnceItIsBack() throws Exception {
    Path pgData = temp.resolve("pg");
    int pgPort = freePort();
    EmbeddedPostgres postgres = startPostgres(pgData, pgPort);
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("create database shoal");
    }
    try (ControlPlaneFixture cp =
        new ControlPlaneFixture()
            .with("spring.datasource.url", postgres.getJdbcUrl("postgres", "shoal"))
            .with("spring.datasource.username", "postgres")
            // The tracker answers a known device from its caches for their TTL (5 s by default),
            // without the database: 1 s here, and the announce below comes after it.
            .with("shoal.tracker.cache-ttl", "1s")
            .start()) {
      Publisher studio = cp.newPublisher("faults").product("game", "live");
      Release release = studio.publish("game", "live", GameBuilds.build(5, 300_000), "1.0");
      Device device = AgentDevices.create(cp.baseUrl(), temp.resolve("device"));
      device.enrol(studio.organisation()).assertSuccess();
      studio.entitle("game", device.deviceId());
      String manifest = "/api/v1/device/products/game/channels/live/manifest";
      assertThat(studio.api().get("/api/v1/products").status()).isEqualTo(200);
      assertThat(device.get(manifest).status()).isEqualTo(200);

      String announce = announcePath(device, release.fullPackInfoHash());
      assertThat(ApiClient.exchange(request(cp, announce)).status()).isEqualTo(200);

      crash(pgData);
      postgres.close(); // releases zonky's lock on the directory; the server is already gone

      // Down: every path that needs the database answers a 503 problem saying so, and asks to
      // retry; the process itself stays live.
      // (Each waits for the pool's connection timeout: asked at once, not one after the other.)
      ExecutorService callers = Executors.newFixedThreadPool(4);
      var products = callers.submit(() -> studio.api().get("/api/v1/products"));
      var deviceManifest = callers.submit(() -> device.get(manifest));
      var announced =
          callers.submit(
              () -> {
                Thread.sleep(1_500); // past the tracker caches' TTL
                return ApiClient.exchange(request(cp, announce));
              });
      var readiness = callers.submit(() -> get(cp, "/actuator/health/readiness"));
      callers.shutdown();
      assertThat(get(cp, "/actuator/health/liveness").status()).isEqualTo(200);
      assertUnavailable(products.get());
      Response m = deviceManifest.get();
      assertUnavailable(m);
      assertThat(announced.get().status()).as("announce").isEqualTo(503);
      assertThat(readiness.get().status()).isEqualTo(503);

      // Back on the same data directory and port: the control plane recovers by itself.
      postgres = startPostgres(pgData, pgPort);
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> studio.api().get("/api/v1/products").status() == 200);
      assertThat(get(cp, "/actuator/health/readiness").status()).isEqualTo(200);
      // Nothing committed before the crash was lost: the device, its entitlement, the release.
      assertThat(device.get(manifest).status()).isEqualTo(200);
      assertThat(ApiClient.exchange(request(cp, announce)).status()).isEqualTo(200);
      assertThat(
              studio
                  .api()
                  .get("/api/v1/releases/" + release.id())
                  .assertSuccess()
                  .json()
                  .get("state")
                  .asString())
          .isEqualTo("READY");
      // And it writes again.
      studio.api().post("/api/v1/products/game/channels", Map.of("name", "beta")).assertSuccess();
    } finally {
      postgres.close();
    }
  }

  private static void assertUnavailable(Response r) {
    assertThat(r.status()).as(r.body()).isEqualTo(503);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(r.headers().firstValue("Retry-After")).hasValue("5");
    JsonNode problem = r.json();
    assertThat(problem.get("status").asInt()).isEqualTo(503);
    assertThat(problem.get("title").asString()).isEqualTo("Service Unavailable");
    assertThat(problem.get("detail").asString()).contains("database is unavailable");
    assertThat(problem.get("type").asString()).isEqualTo("about:blank");
  }

  private static String announcePath(Device device, String infoHash) {
    AnnounceRequest request =
        Announces.request(
            HexFormat.of().parseHex(infoHash),
            "-TK0001-faults-dbdown".substring(0, 20).getBytes(StandardCharsets.US_ASCII),
            7002,
            1,
            AnnounceRequest.Event.NONE);
    return request.toUrl("/" + device.passkey() + "/announce");
  }

  private static HttpRequest request(ControlPlaneFixture cp, String path) {
    return HttpRequest.newBuilder(URI.create(cp.baseUrl() + path)).build();
  }

  private static Response get(ControlPlaneFixture cp, String path) {
    return cp.anonymous().send(HttpRequest.newBuilder(URI.create(cp.baseUrl() + path)).build());
  }

  private static EmbeddedPostgres startPostgres(Path dataDir, int port) throws IOException {
    return EmbeddedPostgres.builder()
        .setDataDirectory(dataDir)
        .setCleanDataDirectory(false)
        .setPort(port)
        // As the control plane's own embedded server: zonky's test defaults (fsync and
        // synchronous_commit off) would lose the last commits in a crash.
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on")
        .start();
  }

  /**
   * PostgreSQL's immediate shutdown, as {@code pg_ctl stop -m immediate} does it (which refuses to
   * run as root): SIGQUIT to the postmaster, whose processes all quit at once, no checkpoint.
   */
  private static void crash(Path pgData) throws Exception {
    long pid =
        Long.parseLong(
            Files.readAllLines(pgData.resolve("postmaster.pid"), StandardCharsets.US_ASCII)
                .get(0)
                .trim());
    ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
    List<ProcessHandle> children = postmaster.children().toList();
    Process kill = new ProcessBuilder("kill", "-QUIT", Long.toString(pid)).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
    postmaster.onExit().get(60, TimeUnit.SECONDS);
    for (ProcessHandle child : children) {
      child.onExit().get(60, TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
