package dev.shoal.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.organisation.Organisation;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * What a real agent reports, as the organisation's figures show it: a reinstall from the agent's
 * cache (a rollback to content it still holds) is a cache install, not a download, and fetched
 * nothing; the product's figures are the sums of its releases', in the metrics API and in the
 * swarm-health totals.
 */
class TelemetryFiguresTest {

  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  private static final Duration TIMEOUT = Duration.ofMinutes(2);
  private static final List<String> FIGURES =
      List.of(
          "downloads",
          "failures",
          "cacheInstalls",
          "bytesFromPeers",
          "reportedBytesFromOrigin",
          "originHttpBytes",
          "originSeederBytes");

  @TempDir Path temp;

  @Test
  void aRollbackFromTheCacheIsACacheInstallAndTheProductIsTheSumOfItsReleases() throws Exception {
    Organisation o = controlPlane.createOrganisation("figures");
    ApiClient admin = controlPlane.client(controlPlane.createApiKey(o, Role.ADMIN));
    admin.post("/api/v1/products", Map.of("slug", "game", "name", "Game")).assertSuccess();
    admin.post("/api/v1/products/game/channels", Map.of("name", "stable")).assertSuccess();
    Map<String, byte[]> v1 = GameBuilds.build(3, 2_000_000);
    Publisher.of(admin).publish("game", "stable", v1, "1.0");
    Path dir = temp.resolve("games/game");
    Files.createDirectories(dir.getParent());
    try (AgentFixture agent = AgentFixture.start(temp.resolve("agent"))) {
      agent.enrol(controlPlane, "figures");
      Publisher.of(admin).entitle("game", agent.deviceId());
      assertCompleted(agent.awaitInstall(agent.install("game", "stable", dir), TIMEOUT));

      Map<String, byte[]> v2 = new TreeMap<>(v1);
      v2.put("config/settings.ini", "volume=3\n".getBytes());
      Publisher.of(admin).publish("game", "stable", v2, "1.1");
      assertCompleted(agent.awaitInstall(agent.install("game", "stable", dir), TIMEOUT));

      // Version 3 has version 1's content and packs: the full pack is still in the agent's cache.
      admin
          .post("/api/v1/products/game/channels/stable/rollback", Map.of("version", 1))
          .assertSuccess();
      JsonNode rollback = agent.awaitInstall(agent.install("game", "stable", dir), TIMEOUT);
      assertCompleted(rollback);
      assertThat(rollback.get("installedVersion").asLong()).isEqualTo(3);
    }

    JsonNode metrics = awaitReports(admin, 3);
    Map<Long, JsonNode> byVersion = new HashMap<>();
    metrics
        .get("releases")
        .forEach(r -> byVersion.put(r.get("version").asLong(), r.get("figures")));
    assertThat(byVersion).containsOnlyKeys(1L, 2L, 3L);
    assertThat(byVersion.get(1L).get("downloads").asLong()).isEqualTo(1);
    assertThat(byVersion.get(1L).get("reportedBytesFromOrigin").asLong()).isPositive();
    assertThat(byVersion.get(2L).get("downloads").asLong()).isEqualTo(1);
    JsonNode fromCache = byVersion.get(3L);
    assertThat(fromCache.get("downloads").asLong()).as(fromCache.toString()).isZero();
    assertThat(fromCache.get("cacheInstalls").asLong()).as(fromCache.toString()).isEqualTo(1);
    assertThat(fromCache.get("bytesFromPeers").asLong()).isZero();
    assertThat(fromCache.get("reportedBytesFromOrigin").asLong()).isZero();

    // The product's figures are its releases' sums.
    assertThat(metrics.get("products")).hasSize(1);
    JsonNode product = metrics.get("products").get(0).get("figures");
    for (String figure : FIGURES) {
      long sum = byVersion.values().stream().mapToLong(f -> f.get(figure).asLong()).sum();
      assertThat(product.get(figure).asLong()).as(figure).isEqualTo(sum);
    }
    // And so are the swarm-health totals, where the cache install is no download either.
    JsonNode productHealth = admin.get("/api/v1/products/game/health").assertSuccess().json();
    long releaseDownloads = 0;
    for (JsonNode r : metrics.get("releases")) {
      releaseDownloads +=
          admin
              .get("/api/v1/releases/" + r.get("releaseId").asString() + "/health")
              .assertSuccess()
              .json()
              .get("totals")
              .get("downloads")
              .asLong();
    }
    assertThat(productHealth.get("totals").get("downloads").asLong())
        .isEqualTo(releaseDownloads)
        .isEqualTo(2);
  }

  private static void assertCompleted(JsonNode install) {
    assertThat(install.get("state").asString()).as(install.toString()).isEqualTo("COMPLETED");
  }

  /** The metrics once the control plane holds {@code reports} reports (they follow the install). */
  private static JsonNode awaitReports(ApiClient admin, long reports) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      JsonNode metrics = admin.get("/api/v1/metrics").assertSuccess().json();
      JsonNode figures = metrics.get("products").get(0).get("figures");
      long seen =
          figures.get("downloads").asLong()
              + figures.get("cacheInstalls").asLong()
              + figures.get("failures").asLong();
      if (seen >= reports || System.nanoTime() > deadline) {
        return metrics;
      }
      Thread.sleep(200);
    }
  }
}
