package dev.shoal.testkit.bench;

import dev.shoal.controlplane.tracker.Tracker;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Loopback;
import dev.shoal.testsupport.Publisher;
import dev.shoal.testsupport.SharedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A fleet on one machine: three control-plane replicas (this JVM's and two processes) behind
 * HAProxy on one PostgreSQL, one Redis and one data directory. {@code bench.fleet.devices}
 * (1,000,000) devices are written straight into PostgreSQL (the bulk loader of {@link
 * TrackerScaleBenchmark}); a warm-up walks them (their first announces, which read PostgreSQL),
 * then they announce for {@code bench.fleet.seconds} at the rate that many devices produce on a
 * {@code bench.fleet.interval-seconds} (1800) interval, and one replica is killed (SIGKILL)
 * halfway: announces must carry on through the others and the swarm (in Redis) must keep its peers.
 * Then 10× that rate, reported without a target. HAProxy balances on the announce path (the
 * passkey), so each device keeps to one replica and its caches while that replica lives. The
 * generator is open loop (paced.lua: send times on a schedule, whatever the answers' latency); the
 * rates reported are the replicas' own counts of answered announces over wall time ({@code rps}
 * before the kill, {@code rps_after_kill} from the two left), wrk's beside them. Prints {@code
 * key=value} last.
 */
@Tag("benchmark")
class FleetBenchmark {
  private static final int DEVICES = Integer.getInteger("bench.fleet.devices", 1_000_000);
  private static final int INTERVAL_SECONDS =
      Integer.getInteger("bench.fleet.interval-seconds", 1800);
  private static final int SECONDS = Integer.getInteger("bench.fleet.seconds", 60);
  private static final int TEN_X_SECONDS = Integer.getInteger("bench.fleet.ten-x-seconds", 20);
  private static final int WALK_SECONDS = Integer.getInteger("bench.fleet.walk-seconds", 30);
  private static final int WALK_LIMIT_SECONDS =
      Integer.getInteger("bench.fleet.walk-limit-seconds", 900);
  private static final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path temp;

  /** The figures of one paced run (or of its part before the kill). */
  record Window(
      double announces,
      double seconds,
      double cpuUs,
      Map<String, Double> cpuUsByPart,
      double sql,
      Map<String, Long> tableReads,
      double redisOps) {}

  @Test
  void announcesFromAMillionDevicesThroughThreeReplicasWhileOneIsKilled() throws Exception {
    TrackerBenchmark.installDependencies();
    Path build = temp.resolve("build");
    GameBuilds.randomFile(build, "data/game.pak", 4L * GameBuilds.MIB, 7);
    Path passkeys = TrackerScaleBenchmark.writePasskeys(temp.resolve("passkeys.txt"), DEVICES);
    Path data = Files.createDirectories(temp.resolve("data"));
    String database = SharedPostgres.newDatabaseUrl();

    List<Process> processes = new ArrayList<>();
    try (RedisProcess redis = RedisProcess.start(temp.resolve("redis.log"));
        ControlPlaneFixture a = replicaInThisJvm(database, redis, data)) {
      Publisher publisher = a.publisher().product("game", "live");
      String release =
          publisher.requestRelease("game", "live", publisher.upload("game", build), "1");
      publisher.awaitReady(release, Duration.ofMinutes(5), Duration.ofMillis(200), new HashMap<>());
      publisher.publish(release, 100);
      String infoHash =
          ManifestCodec.parse(SignedEnvelope.parse(publisher.envelope(release)).payload())
              .fullPack()
              .infoHash();
      JdbcTemplate jdbc = a.bean(JdbcTemplate.class);
      long t0 = System.nanoTime();
      TrackerScaleBenchmark.load(
          jdbc, organisation(jdbc, publisher), product(jdbc, publisher), DEVICES);
      double loadSeconds = (System.nanoTime() - t0) / 1e9;

      List<String> replicas = new ArrayList<>(List.of(a.baseUrl()));
      for (int i = 0; i < 2; i++) {
        int port = Loopback.freePort();
        processes.add(replicaProcess(database, redis, data, port, i));
        replicas.add("http://127.0.0.1:" + port);
      }
      for (int i = 1; i < replicas.size(); i++) {
        awaitHealthy(replicas.get(i), temp.resolve("replica-" + (i - 1) + ".log"));
      }
      int lbPort = Loopback.freePort();
      processes.add(haproxy(replicas, lbPort));
      String lb = "http://127.0.0.1:" + lbPort;
      awaitAnnounceThrough(lb, infoHash);

      List<String> file = List.of(passkeys.toString());
      long walked = walk(lb, infoHash, passkeys);
      double devicesPageMs = devicesPageMillis(publisher);

      double rate = (double) DEVICES / INTERVAL_SECONDS;
      Tracker tracker = a.bean(Tracker.class);
      Probe probe =
          new Probe(jdbc, redis, replicas, database, List.copyOf(processes.subList(0, 2)));
      double announcedBefore = Probe.announces(replicas);
      CompletableFuture<TrackerBenchmark.Wrk> paced =
          CompletableFuture.supplyAsync(() -> pacedWrk(lb, infoHash, SECONDS, rate, file));
      // The window starts once wrk sends (its threads first read the passkey file).
      while (Probe.announces(replicas) < announcedBefore + rate / 10) {
        Thread.sleep(200);
      }
      Probe.Snapshot start = probe.snapshot();
      Thread.sleep(TimeUnit.SECONDS.toMillis(SECONDS) / 2 - 1000);
      Probe.Snapshot beforeKill = probe.snapshot();
      double aliveAtKill = Probe.announces(replicas.subList(0, 2));
      long killedAt = System.nanoTime();
      int peersBeforeKill = peers(tracker, infoHash);
      Process killed = processes.get(1);
      killed.destroyForcibly();
      killed.waitFor(10, TimeUnit.SECONDS);
      TrackerBenchmark.Wrk run = paced.get();
      double rpsAfterKill =
          (Probe.announces(replicas.subList(0, 2)) - aliveAtKill)
              / ((System.nanoTime() - killedAt) / 1e9);
      Map<String, Double> refusedAfter = probe.refusals(replicas.subList(0, 2));
      int peersAfter = peers(tracker, infoHash);
      Window firstHalf = Probe.window(start, beforeKill);

      TrackerBenchmark.Wrk tenX = pacedWrk(lb, infoHash, TEN_X_SECONDS, rate * 10, file);

      // What HAProxy saw go wrong (it logs only failed requests and health changes).
      System.out.println(String.join("\n", tail(temp.resolve("haproxy.log"), 40)));
      System.out.printf(
          Locale.ROOT,
          "FleetBenchmark: paced %s; before the kill %s; refusals after %s; 10x %s%n",
          run.f(),
          firstHalf,
          refusedAfter,
          tenX.f());
      System.out.printf(
          Locale.ROOT,
          "devices=%d replicas=3 bulk_load_s=%.1f walked=%d target_rps=%.0f rps=%.0f"
              + " rps_after_kill=%.0f wrk_rps=%.0f p99_ms=%.2f"
              + " errors=%d refused=%.0f cpu_us_per_announce=%.0f cpu_us_replicas=%.0f"
              + " cpu_us_postgres=%.0f cpu_us_redis=%.0f sql_per_announce=%.4f"
              + " redis_ops_per_announce=%.2f killed_replica_at_s=%d swarm_peers_before_kill=%d"
              + " swarm_peers_after=%d swarm_lost=%d tenx_target_rps=%.0f tenx_rps=%.0f"
              + " tenx_p99_ms=%.2f tenx_errors=%d devices_page_ms=%.1f load1=%s%n",
          DEVICES,
          loadSeconds,
          walked,
          rate,
          firstHalf.announces() / firstHalf.seconds(),
          rpsAfterKill,
          run.rps(),
          run.p99Millis(),
          run.errors(),
          refusedAfter.values().stream().mapToDouble(Double::doubleValue).sum(),
          firstHalf.cpuUs(),
          firstHalf.cpuUsByPart().get("jvm") + firstHalf.cpuUsByPart().get("replicas"),
          firstHalf.cpuUsByPart().get("postgres"),
          firstHalf.cpuUsByPart().get("redis"),
          firstHalf.sql(),
          firstHalf.redisOps(),
          SECONDS / 2,
          peersBeforeKill,
          peersAfter,
          peersAfter < peersBeforeKill ? 1 : 0,
          rate * 10,
          tenX.rps(),
          tenX.p99Millis(),
          tenX.errors(),
          devicesPageMs,
          Bench.load1());
    } finally {
      for (Process p : processes) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static ControlPlaneFixture replicaInThisJvm(
      String database, RedisProcess redis, Path data) {
    ControlPlaneFixture fixture = new ControlPlaneFixture();
    fleetSettings(database, redis, data).forEach(fixture::with);
    return fixture.start();
  }

  /** What every replica is given: one database, one Redis, one data directory. */
  private static Map<String, Object> fleetSettings(String database, RedisProcess redis, Path data) {
    Map<String, Object> settings = new HashMap<>();
    settings.put("spring.datasource.url", database);
    settings.put("spring.datasource.hikari.maximum-pool-size", 8);
    settings.put("spring.data.redis.url", redis.url());
    settings.put("shoal.data-dir", data);
    settings.put("shoal.trusted-proxies", "127.0.0.1/32");
    settings.put("shoal.tracker.interval", INTERVAL_SECONDS + "s");
    // Longer than the interval: a device's re-announce still finds its admission cached.
    settings.put("shoal.tracker.cache-ttl", "60m");
    return settings;
  }

  private Process replicaProcess(
      String database, RedisProcess redis, Path data, int port, int index) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Xmx1g",
                "-jar",
                execJar().toString()));
    Map<String, Object> settings = fleetSettings(database, redis, data);
    settings.put("server.port", port);
    settings.put("shoal.origin.seeder-port", Loopback.freePort());
    settings.put("shoal.origin.seeder-bind-address", "127.0.0.1");
    settings.put("spring.main.banner-mode", "off");
    settings.put("logging.level.root", "WARN");
    settings.forEach((key, value) -> cmd.add("--" + key + "=" + value));
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(temp.resolve("replica-" + index + ".log").toFile())
        .start();
  }

  private static Path execJar() throws Exception {
    try (var jars = Files.list(Path.of("..", "control-plane", "target"))) {
      return jars.filter(p -> p.getFileName().toString().endsWith("-exec.jar"))
          .findFirst()
          .orElseThrow(() -> new AssertionError("build control-plane first (its -exec.jar)"))
          .toAbsolutePath();
    }
  }

  private Process haproxy(List<String> replicas, int port) throws Exception {
    StringBuilder config =
        new StringBuilder(
            """
            global
              maxconn 8192
              log stdout format raw local0 info
            defaults
              mode http
              log global
              option httplog
              option dontlog-normal
              option log-health-checks
              timeout connect 1s
              timeout check 3s
              timeout client 30s
              timeout server 30s
              retries 3
              option redispatch
              retry-on conn-failure empty-response response-timeout
            frontend announces
              bind 127.0.0.1:%d
              default_backend replicas
            backend replicas
              balance uri path-only
              hash-type consistent
              option httpchk GET /actuator/health
              http-check expect status 200
            """
                .formatted(port));
    for (int i = 0; i < replicas.size(); i++) {
      URI uri = URI.create(replicas.get(i));
      config.append(
          "  server r%d 127.0.0.1:%d check inter 1s fall 2 rise 2%n".formatted(i, uri.getPort()));
    }
    Path file = temp.resolve("haproxy.cfg");
    Files.writeString(file, config);
    return new ProcessBuilder("haproxy", "-f", file.toString(), "-db")
        .redirectErrorStream(true)
        .redirectOutput(temp.resolve("haproxy.log").toFile())
        .start();
  }

  /** The devices' first announces, as fast as they go, until each announced once (or the limit). */
  private static long walk(String lb, String infoHash, Path passkeys) throws Exception {
    long walked = 0;
    for (int s = 0; walked < DEVICES && s < WALK_LIMIT_SECONDS; s += WALK_SECONDS) {
      walked +=
          TrackerBenchmark.wrk(
                  lb,
                  "/announce",
                  infoHash,
                  WALK_SECONDS,
                  DEVICES,
                  List.of(passkeys.toString(), "walk", Long.toString(walked)))
              .f()
              .get("requests");
    }
    return walked;
  }

  private static TrackerBenchmark.Wrk pacedWrk(
      String lb, String infoHash, int seconds, double rate, List<String> file) {
    try {
      return TrackerBenchmark.pacedWrk(lb, "/announce", infoHash, seconds, DEVICES, rate, file);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The dashboard's devices page with the fleet enrolled: the median time of five reads of the
   * first page and of the page after it (the API's 100 newest devices, each with its last contact
   * and install).
   */
  private static double devicesPageMillis(Publisher publisher) {
    List<Long> nanos = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      long t = System.nanoTime();
      var first = publisher.api().get("/api/v1/devices?limit=100").assertSuccess();
      nanos.add(System.nanoTime() - t);
      String next =
          first.headers().firstValue("Link").orElseThrow().replaceAll("^<([^>]+)>.*$", "$1");
      t = System.nanoTime();
      publisher.api().get(next).assertSuccess();
      nanos.add(System.nanoTime() - t);
    }
    nanos.sort(null);
    return nanos.get(nanos.size() / 2) / 1e6;
  }

  private static List<String> tail(Path file, int lines) throws Exception {
    List<String> all = Files.readAllLines(file);
    return all.subList(Math.max(0, all.size() - lines), all.size());
  }

  private static int peers(Tracker tracker, String infoHash) {
    Tracker.SwarmCount count = tracker.swarmCounts().get(infoHash);
    return count == null ? 0 : count.peers();
  }

  private static void awaitHealthy(String replica, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(6);
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(replica + "/actuator/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        "replica "
            + replica
            + " did not become healthy; its log ends:\n"
            + String.join("\n", tail(log, 40)));
  }

  private static void awaitAnnounceThrough(String lb, String infoHash) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        TrackerBenchmark.assertAnswersPeers(
            lb + "/" + TrackerScaleBenchmark.passkey(0) + "/announce", infoHash);
        return;
      } catch (java.io.IOException | AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(500);
      }
    }
  }

  private static UUID organisation(JdbcTemplate jdbc, Publisher publisher) {
    return jdbc.queryForObject(
        "select id from organisations where slug = ?", UUID.class, publisher.organisation());
  }

  private static UUID product(JdbcTemplate jdbc, Publisher publisher) {
    return jdbc.queryForObject(
        "select p.id from products p join organisations o on o.id = p.organisation_id"
            + " where p.slug = 'game' and o.slug = ?",
        UUID.class,
        publisher.organisation());
  }

  /** Reads, at a moment, what the fleet has done so far: CPU, SQL, Redis commands, announces. */
  private record Probe(
      JdbcTemplate jdbc,
      RedisProcess redis,
      List<String> replicas,
      String database,
      List<Process> replicaProcesses) {
    record Snapshot(
        long nanoTime,
        Map<String, Long> cpuNanos,
        long sql,
        Map<String, Long> tableReads,
        long redisOps,
        double announces) {}

    Snapshot snapshot() throws Exception {
      long at = System.nanoTime();
      double announces = announces(replicas);
      long sql = TrackerScaleBenchmark.transactions(jdbc);
      return new Snapshot(at, fleetCpuNanos(), sql, tableReads(), redis.commands(), announces);
    }

    /** Announces answered (result "ok") so far by these replicas, as their metrics count them. */
    static double announces(List<String> replicas) throws Exception {
      double announces = 0;
      for (String replica : replicas) {
        announces += TrackerBenchmark.announceCounts(replica).getOrDefault("ok", 0.0);
      }
      return announces;
    }

    /**
     * Scans (sequential and by index) per table so far: which tables the SQL per announce reads.
     */
    private Map<String, Long> tableReads() {
      Map<String, Long> reads = new TreeMap<>();
      jdbc.query(
          "select relname, coalesce(seq_scan, 0) + coalesce(idx_scan, 0) as n"
              + " from pg_stat_user_tables",
          row -> {
            reads.put(row.getString("relname"), row.getLong("n"));
          });
      return reads;
    }

    /** Announces answered with a failure reason, by result, summed over these replicas. */
    Map<String, Double> refusals(List<String> alive) throws Exception {
      Map<String, Double> refused = new HashMap<>();
      for (String replica : alive) {
        TrackerBenchmark.announceCounts(replica)
            .forEach(
                (result, n) -> {
                  if (!result.equals("ok")) {
                    refused.merge(result, n, Double::sum);
                  }
                });
      }
      return refused;
    }

    static Window window(Snapshot from, Snapshot to) {
      double n = to.announces() - from.announces();
      Map<String, Double> cpuUs = new LinkedHashMap<>();
      to.cpuNanos()
          .forEach((part, nanos) -> cpuUs.put(part, (nanos - from.cpuNanos().get(part)) / 1e3 / n));
      Map<String, Long> reads = new TreeMap<>();
      to.tableReads()
          .forEach(
              (table, count) -> {
                long d = count - from.tableReads().getOrDefault(table, 0L);
                if (d > 0) {
                  reads.put(table, d);
                }
              });
      // Less the two reading queries of the snapshots themselves.
      return new Window(
          n,
          (to.nanoTime() - from.nanoTime()) / 1e9,
          cpuUs.values().stream().mapToDouble(Double::doubleValue).sum(),
          cpuUs,
          (to.sql() - from.sql() - 1) / n,
          reads,
          (to.redisOps() - from.redisOps()) / n);
    }

    /**
     * CPU of the fleet, by part: this JVM (one replica), the two replica processes, the embedded
     * PostgreSQL (the postmaster listening on the database URL's port and its backends: not this
     * JVM's descendants, pg_ctl hands them to init) and redis-server; not wrk and HAProxy, which
     * stand for the devices and the load balancer.
     */
    private Map<String, Long> fleetCpuNanos() {
      Map<String, Long> parts = new LinkedHashMap<>();
      parts.put("jvm", cpu(ProcessHandle.current()));
      long replicaNanos = 0;
      for (Process p : replicaProcesses) {
        replicaNanos += cpu(p.toHandle());
      }
      parts.put("replicas", replicaNanos);
      long postgres = 0;
      String port = Integer.toString(URI.create(database.substring("jdbc:".length())).getPort());
      for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
        if (isPostmaster(p, port)) {
          postgres += cpu(p);
          for (ProcessHandle backend : p.descendants().toList()) {
            postgres += cpu(backend);
          }
        }
      }
      parts.put("postgres", postgres);
      parts.put("redis", ProcessHandle.of(redis.pid()).map(Probe::cpu).orElse(0L));
      return parts;
    }

    private static boolean isPostmaster(ProcessHandle p, String port) {
      ProcessHandle.Info info = p.info();
      return info.command().orElse("").endsWith("/postgres")
          && java.util.Arrays.asList(info.arguments().orElse(new String[0])).contains(port);
    }

    private static long cpu(ProcessHandle p) {
      return p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }
  }
}
