package dev.shoal.testkit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testkit.AgentFixture;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Delta updates: a 1 GiB build (16 files of 64 MiB of random bytes) released and installed by a
 * real agent (in-process {@link AgentFixture}, through its local API, origin over HTTP: no peer
 * consent), then a second release in which 3 files have 17 MiB each rewritten in place (same sizes;
 * 51 MiB = 5 % of the build). The agent updates; its install status says how many bytes it fetched.
 * Prints {@code key=value} figures on its last line: fetched / changed bytes (target &le; 1.2), and
 * full pack / delta pack (what a full re-download would have cost instead).
 */
@Tag("benchmark")
class DeltaUpdateBenchmark {
  private static final int FILES = 16;
  private static final long FILE_SIZE = 64L * GameBuilds.MIB;
  private static final long REGION = 17L * GameBuilds.MIB;

  /** file index, offset of the rewritten region: at the start, in the middle, at the end. */
  private static final long[][] CHANGES = {
    {3, 0}, {7, 20L * GameBuilds.MIB}, {12, FILE_SIZE - REGION},
  };

  private static final Duration TIMEOUT = Duration.ofMinutes(30);

  @TempDir Path temp;

  @Test
  void anAgentUpdatesA1GibBuildWith5PercentChangedThroughADeltaPack() throws Exception {
    Path build = GameBuilds.bigBuild(temp.resolve("build"), FILES, FILE_SIZE, 200);
    try (ControlPlaneFixture cp = new ControlPlaneFixture().start();
        AgentFixture agent = AgentFixture.start(temp.resolve("agent"), 8L << 30)) {
      Publisher publisher = cp.publisher().product("game", "live");
      JsonNode v1 = release(publisher, build, "1.0");

      agent.enrol(cp, cp.organisation().slug());
      publisher
          .api()
          .post("/api/v1/products/game/entitlements", Map.of("deviceId", agent.deviceId()))
          .assertSuccess();
      Path game = temp.resolve("games/game");
      Files.createDirectories(game.getParent());
      long i0 = System.nanoTime();
      JsonNode first = agent.awaitInstall(agent.install("game", "live", game), TIMEOUT);
      double installSeconds = (System.nanoTime() - i0) / 1e9;
      assertThat(first.get("state").asString()).as(first.toString()).isEqualTo("COMPLETED");
      assertThat(first.get("packKind").asString()).isEqualTo("full");

      long changed = 0;
      for (long[] c : CHANGES) {
        Path file = build.resolve(String.format("data/part-%02d.pak", c[0]));
        GameBuilds.overwriteRandom(file, c[1], REGION, 900 + c[0]);
        changed += REGION;
      }
      JsonNode v2 = release(publisher, build, "1.1");
      long fullPack = v2.get("fullPackBytes").asLong();
      long deltaPack = v2.get("deltaPackBytes").asLong();

      long u0 = System.nanoTime();
      JsonNode update = agent.awaitInstall(agent.install("game", "live", game), TIMEOUT);
      double updateSeconds = (System.nanoTime() - u0) / 1e9;
      assertThat(update.get("state").asString()).as(update.toString()).isEqualTo("COMPLETED");
      assertThat(update.get("installedVersion").asLong()).isEqualTo(2);
      assertThat(digests(game)).as("the installed files are v2").isEqualTo(digests(build));

      long fromPeers = update.get("bytesFromPeers").asLong();
      long fromOrigin = update.get("bytesFromOrigin").asLong();
      long fetched = fromPeers + fromOrigin;
      System.out.printf(
          Locale.ROOT,
          "DeltaUpdateBenchmark: v1 full pack %d bytes, installed in %.1f s (%s from origin);"
              + " v2 changes %d bytes in %d files; update status %s; load %s%n",
          v1.get("fullPackBytes").asLong(),
          installSeconds,
          first.get("bytesFromOrigin").asLong(),
          changed,
          CHANGES.length,
          update,
          Bench.load());
      System.out.printf(
          Locale.ROOT,
          "build_mib=%d changed_bytes=%d changed_pct=%.1f pack_kind=%s delta_pack_bytes=%d"
              + " full_pack_bytes=%d fetched_bytes=%d from_peers=%d from_origin=%d"
              + " fetched_over_changed=%.3f delta_pack_over_changed=%.3f full_over_delta=%.1f"
              + " install_v1_s=%.1f update_s=%.1f load1=%s%n",
          FILES * FILE_SIZE / GameBuilds.MIB,
          changed,
          100.0 * changed / (FILES * FILE_SIZE),
          update.get("packKind").asString(),
          deltaPack,
          fullPack,
          fetched,
          fromPeers,
          fromOrigin,
          (double) fetched / changed,
          (double) deltaPack / changed,
          (double) fullPack / deltaPack,
          installSeconds,
          updateSeconds,
          Bench.load1());
    }
  }

  private static JsonNode release(Publisher publisher, Path build, String version)
      throws Exception {
    String upload = publisher.upload("game", build);
    String id = publisher.requestRelease("game", "live", upload, version);
    JsonNode ready = publisher.awaitReady(id, TIMEOUT, Duration.ofMillis(200), new HashMap<>());
    publisher.publish(id, 100);
    return ready;
  }

  /** SHA-256 of every file under {@code dir}, by relative path (streamed). */
  private static Map<String, String> digests(Path dir) throws Exception {
    Map<String, String> out = new TreeMap<>();
    List<Path> files = GameBuilds.regularFiles(dir);
    byte[] buf = new byte[GameBuilds.MIB];
    for (Path file : files) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      try (InputStream in = Files.newInputStream(file)) {
        for (int n; (n = in.read(buf)) > 0; ) {
          md.update(buf, 0, n);
        }
      }
      out.put(
          dir.relativize(file).toString().replace('\\', '/'),
          HexFormat.of().formatHex(md.digest()));
    }
    return out;
  }
}
