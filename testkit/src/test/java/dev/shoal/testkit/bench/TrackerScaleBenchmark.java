package dev.shoal.testkit.bench;

import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The tracker with many devices: {@code bench.tracker.devices} (100,000) enrolled and entitled
 * devices are written straight into PostgreSQL (a bulk loader, not the enrolment API), each wrk
 * peer announces with its own device's passkey, once with the in-memory swarm store and once with
 * the Redis one (a real {@code redis-server} started here), then the same peers to opentracker. A
 * warm-up walks every device once (their first announces, which read PostgreSQL; at most {@code
 * bench.tracker.walk-limit-seconds}, and {@code walked} says how many), then 20 s are measured at
 * random: announces/s, p99, CPU µs per announce (the JVM, its embedded PostgreSQL and
 * redis-server), SQL transactions and Redis commands per announce. Prints {@code key=value} last.
 */
@Tag("benchmark")
class TrackerScaleBenchmark {
  private static final int DEVICES = Integer.getInteger("bench.tracker.devices", 100_000);
  private static final int SECONDS = Integer.getInteger("bench.tracker.seconds", 20);
  // The warm-up walks in runs of this many seconds until every device announced, or the limit.
  private static final int WALK_SECONDS = Integer.getInteger("bench.tracker.walk-seconds", 30);
  private static final int WALK_LIMIT_SECONDS =
      Integer.getInteger("bench.tracker.walk-limit-seconds", 600);

  @TempDir Path temp;

  /** What one run measured. */
  record Run(TrackerBenchmark.Wrk wrk, long walked, double cpuUs, double sql, double redisOps) {}

  @Test
  void announcesFromManyDevicesWithTheMemoryAndTheRedisStoreAndOpentracker() throws Exception {
    TrackerBenchmark.installDependencies();
    Path build = temp.resolve("build");
    GameBuilds.randomFile(build, "data/game.pak", 4L * GameBuilds.MIB, 7);
    Path passkeys = writePasskeys(temp.resolve("passkeys.txt"), DEVICES);

    Map<String, Run> runs = new LinkedHashMap<>();
    String[] infoHash = new String[1];
    try (RedisProcess redis = RedisProcess.start(temp.resolve("redis.log"))) {
      runs.put("memory", ours(build, passkeys, null, infoHash));
      runs.put("redis", ours(build, passkeys, redis, infoHash));
    }
    Run theirs = opentracker(infoHash[0]);

    runs.forEach(
        (store, run) ->
            System.out.printf(Locale.ROOT, "TrackerScaleBenchmark %s: %s%n", store, run));
    System.out.printf(Locale.ROOT, "TrackerScaleBenchmark opentracker: %s%n", theirs);
    Run memory = runs.get("memory");
    Run viaRedis = runs.get("redis");
    System.out.printf(
        Locale.ROOT,
        "devices=%d seconds=%d redis_rps=%.0f redis_p99_ms=%.2f redis_errors=%d"
            + " redis_cpu_us_per_announce=%.0f redis_sql_per_announce=%.4f"
            + " redis_redis_ops_per_announce=%.2f redis_walked=%d memory_rps=%.0f"
            + " memory_p99_ms=%.2f memory_cpu_us_per_announce=%.0f memory_sql_per_announce=%.4f"
            + " opentracker_rps=%.0f opentracker_p99_ms=%.2f"
            + " opentracker_cpu_us_per_announce=%.1f ratio_redis_rps=%.3f ratio_memory_rps=%.3f"
            + " load1=%s%n",
        DEVICES,
        SECONDS,
        viaRedis.wrk().rps(),
        viaRedis.wrk().p99Millis(),
        viaRedis.wrk().errors(),
        viaRedis.cpuUs(),
        viaRedis.sql(),
        viaRedis.redisOps(),
        viaRedis.walked(),
        memory.wrk().rps(),
        memory.wrk().p99Millis(),
        memory.cpuUs(),
        memory.sql(),
        theirs.wrk().rps(),
        theirs.wrk().p99Millis(),
        theirs.cpuUs(),
        viaRedis.wrk().rps() / theirs.wrk().rps(),
        memory.wrk().rps() / theirs.wrk().rps(),
        Bench.load1());
  }

  /** Writes the passkeys of devices 0 to count - 1 to a file, one a line (for announce.lua). */
  static Path writePasskeys(Path file, int count) throws Exception {
    List<String> lines = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      lines.add(passkey(i));
    }
    return Files.write(file, lines);
  }

  /** Device i's passkey: 40 hex digits from two MD5s, as {@link #load} writes it in SQL. */
  static String passkey(int i) throws Exception {
    MessageDigest md5 = MessageDigest.getInstance("MD5");
    String a = HexFormat.of().formatHex(md5.digest(("p" + i).getBytes(StandardCharsets.UTF_8)));
    String b = HexFormat.of().formatHex(md5.digest(("q" + i).getBytes(StandardCharsets.UTF_8)));
    return a + b.substring(0, 8);
  }

  /**
   * The bulk loader: {@code count} devices of the organisation with the passkeys of {@link
   * #passkey}, each entitled to the product, in two statements. The sealed passkey is a dummy: no
   * device here asks for its torrent, which is what opens it.
   */
  static void load(JdbcTemplate jdbc, UUID organisation, UUID product, int count) {
    jdbc.update(
        "insert into devices (id, organisation_id, signing_key, agreement_key, passkey_sha256,"
            + " passkey_sealed)"
            + " select 'd-' || md5('d' || i), ?, sha256(convert_to('s' || i, 'UTF8')),"
            + " sha256(convert_to('a' || i, 'UTF8')),"
            + " sha256(convert_to(md5('p' || i) || substr(md5('q' || i), 1, 8), 'UTF8')),"
            + " '\\x00'::bytea from generate_series(0, ? - 1) as i",
        organisation,
        count);
    jdbc.update(
        "insert into entitlements (product_id, device_id, source)"
            + " select ?, 'd-' || md5('d' || i), 'API' from generate_series(0, ? - 1) as i",
        product,
        count);
    jdbc.execute("analyze devices");
    jdbc.execute("analyze entitlements");
  }

  private Run ours(Path build, Path passkeys, RedisProcess redis, String[] infoHash)
      throws Exception {
    ControlPlaneFixture fixture = new ControlPlaneFixture();
    if (redis != null) {
      fixture.with("spring.data.redis.url", redis.url());
    }
    try (ControlPlaneFixture cp = fixture.start()) {
      Publisher publisher = cp.publisher().product("game", "live");
      String release =
          publisher.requestRelease("game", "live", publisher.upload("game", build), "1");
      publisher.awaitReady(release, Duration.ofMinutes(5), Duration.ofMillis(200), new HashMap<>());
      publisher.publish(release, 100);
      infoHash[0] =
          ManifestCodec.parse(SignedEnvelope.parse(publisher.envelope(release)).payload())
              .fullPack()
              .infoHash();
      JdbcTemplate jdbc = cp.bean(JdbcTemplate.class);
      UUID product =
          jdbc.queryForObject(
              "select p.id from products p join organisations o on o.id = p.organisation_id"
                  + " where p.slug = 'game' and o.slug = ?",
              UUID.class,
              publisher.organisation());
      UUID organisation =
          jdbc.queryForObject(
              "select id from organisations where slug = ?", UUID.class, publisher.organisation());
      long t0 = System.nanoTime();
      load(jdbc, organisation, product, DEVICES);
      System.out.printf(
          Locale.ROOT,
          "bulk-loaded %d devices in %.1f s%n",
          DEVICES,
          (System.nanoTime() - t0) / 1e9);
      String base = "http://127.0.0.1:" + cp.port();
      TrackerBenchmark.assertAnswersPeers(base + "/" + passkey(0) + "/announce", infoHash[0]);
      List<String> file = List.of(passkeys.toString());
      long walked = 0;
      for (int s = 0; walked < DEVICES && s < WALK_LIMIT_SECONDS; s += WALK_SECONDS) {
        walked +=
            TrackerBenchmark.wrk(
                    base,
                    "/announce",
                    infoHash[0],
                    WALK_SECONDS,
                    DEVICES,
                    List.of(passkeys.toString(), "walk", Long.toString(walked)))
                .f()
                .get("requests");
      }
      long sql0 = transactions(jdbc);
      long redis0 = redis == null ? 0 : redis.commands();
      long cpu0 = TrackerBenchmark.cpuNanos(ProcessHandle.current());
      TrackerBenchmark.Wrk measured =
          TrackerBenchmark.wrk(base, "/announce", infoHash[0], SECONDS, DEVICES, file);
      long cpu = TrackerBenchmark.cpuNanos(ProcessHandle.current()) - cpu0;
      long redisOps = redis == null ? 0 : redis.commands() - redis0;
      long sql = transactions(jdbc) - sql0 - 1; // less the reading query itself
      double n = measured.f().get("requests");
      return new Run(measured, walked, cpu / 1e3 / n, sql / n, redisOps / n);
    }
  }

  private Run opentracker(String infoHash) throws Exception {
    Path dir = Files.createTempDirectory("shoal-opentracker");
    Process opentracker = null;
    try {
      int port = TrackerBenchmark.freeTcpPort();
      opentracker = TrackerBenchmark.startOpentracker(dir, infoHash, port);
      String base = "http://127.0.0.1:" + port;
      TrackerBenchmark.wrk(
          base, "/announce", infoHash, WALK_SECONDS / 4, DEVICES, List.of("", "walk"));
      long cpu0 = TrackerBenchmark.cpuNanos(opentracker.toHandle());
      TrackerBenchmark.Wrk measured =
          TrackerBenchmark.wrk(base, "/announce", infoHash, SECONDS, DEVICES, List.of());
      long cpu = TrackerBenchmark.cpuNanos(opentracker.toHandle()) - cpu0;
      return new Run(measured, 0, cpu / 1e3 / measured.f().get("requests"), 0, 0);
    } finally {
      if (opentracker != null) {
        opentracker.destroy();
        opentracker.waitFor(5, TimeUnit.SECONDS);
      }
      TrackerBenchmark.deleteTree(dir);
    }
  }

  /** Transactions committed or rolled back in this database so far (each query is one here). */
  static long transactions(JdbcTemplate jdbc) {
    Long n =
        jdbc.queryForObject(
            "select xact_commit + xact_rollback from pg_stat_database"
                + " where datname = current_database()",
            Long.class);
    return n == null ? 0 : n;
  }
}
