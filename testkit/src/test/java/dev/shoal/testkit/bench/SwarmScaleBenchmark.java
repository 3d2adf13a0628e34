package dev.shoal.testkit.bench;

import static dev.shoal.testkit.ProcessAgentApi.call;
import static dev.shoal.testkit.ProcessAgentApi.grant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.localapi.LocalApiFile;
import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.testkit.AgentFixture;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testkit.LauncherFlags;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A swarm of N real agents (each its own process with the launcher's JVM flags, or with {@code
 * shoal-1jvm} all in this JVM; peer download and upload consent, upload capped at u_i through the
 * local API) installing one release from a real control plane whose origin seeder is capped at u_s;
 * then the same swarm of libtorrent peers (one seeder at u_s, N leechers at u_i, full mesh of
 * direct addresses) on the same pack. Per N: the time until the last agent has the whole pack,
 * against the Kurose–Ross lower bound max(F/u_s, N·F/(u_s + N·u_i)) (no download cap: F/d_min is
 * 0), the origin's egress (seeder plus HTTP) as a multiple of F, the offload (peer bytes / all
 * bytes the agents fetched) and our time over libtorrent's. Prints {@code key=value} figures on its
 * last line; docs/benchmarks.md has the command and the results.
 *
 * <p>System properties (or the environment variables in brackets): {@code swarm.bench.n} (SWARM_N,
 * default "5,10,20"), {@code swarm.bench.seed-cap} (SWARM_SEED_CAP, bytes/s, default 5000000),
 * {@code swarm.bench.peer-cap} (SWARM_PEER_CAP, default 2000000), {@code swarm.bench.mib}
 * (SWARM_MIB, default 256), {@code swarm.bench.engines} (SWARM_ENGINES, default "shoal,lt"; any of
 * shoal, shoal-1jvm, lt), {@code swarm.bench.step} (SWARM_STEP_S, the timeline's step, default 10),
 * SWARM_TRACE=1 (each agent process logs its torrent's state every 10 s), SWARM_JFR=1 (a CPU
 * profile of agent 0), SWARM_AGENT_FLAGS (JVM options added to the launcher's, to try one out).
 */
@Tag("benchmark")
class SwarmScaleBenchmark {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration TIMEOUT = Duration.ofMinutes(20);
  private static final String PYTHON = "/usr/bin/python3";

  /** The launcher's flags (deploy/agent/build-runtime.sh, shoal-agent.service). */
  private static final List<String> FLAGS = LauncherFlags.read();

  @TempDir Path temp;

  /** What one swarm of our agents did. */
  record Shoal(
      int n,
      long packBytes,
      double lastDownloadS,
      double lastInstallS,
      double firstDownloadS,
      long fromPeers,
      long fromOrigin,
      long seederBytes,
      long httpBytes,
      double cpuS,
      String load) {}

  /** What one swarm of libtorrent peers did. */
  record Lt(int n, double lastS, double firstS, long seederBytes, double cpuS, String load) {}

  @Test
  void aSwarmOfNAgentsAgainstTheLowerBoundAndLibtorrent() throws Exception {
    int[] ns =
        Arrays.stream(setting("swarm.bench.n", "SWARM_N", "5,10,20").split(","))
            .map(String::trim)
            .mapToInt(Integer::parseInt)
            .toArray();
    long seedCap = Long.parseLong(setting("swarm.bench.seed-cap", "SWARM_SEED_CAP", "5000000"));
    long peerCap = Long.parseLong(setting("swarm.bench.peer-cap", "SWARM_PEER_CAP", "2000000"));
    int mib = Integer.parseInt(setting("swarm.bench.mib", "SWARM_MIB", "256"));
    List<String> engines =
        List.of(setting("swarm.bench.engines", "SWARM_ENGINES", "shoal,lt").split(","));
    assertThat(engines)
        .as("the engines to run")
        .isNotEmpty()
        .containsAnyOf("shoal", "shoal-1jvm")
        .isSubsetOf("shoal", "shoal-1jvm", "lt");

    Path build = temp.resolve("build");
    GameBuilds.randomFile(build, "data/a.pak", mib * (long) GameBuilds.MIB / 2, 71);
    GameBuilds.randomFile(build, "data/b.pak", mib * (long) GameBuilds.MIB / 2, 72);

    Map<Integer, Shoal> ours = new LinkedHashMap<>();
    Map<Integer, Shoal> inOneJvm = new LinkedHashMap<>();
    Map<Integer, Lt> theirs = new LinkedHashMap<>();
    try (ControlPlaneFixture cp =
        new ControlPlaneFixture().with("shoal.origin.upload-cap", seedCap).start()) {
      Publisher publisher = cp.publisher().product("game", "live");
      String upload = publisher.upload("game", build);
      String release = publisher.requestRelease("game", "live", upload, "1.0");
      publisher.awaitReady(release, TIMEOUT, Duration.ofMillis(500), new HashMap<>());
      publisher.publish(release, 100);
      MeterRegistry meters = cp.bean(MeterRegistry.class);

      Path torrent = null;
      Path pack = null;
      for (int n : ns) {
        for (String engine : List.of("shoal", "shoal-1jvm")) {
          if (!engines.contains(engine)) {
            continue;
          }
          boolean oneJvm = engine.equals("shoal-1jvm");
          Path round = temp.resolve(engine + "-" + n);
          Shoal s = shoalSwarm(cp, publisher, meters, round, n, peerCap, oneJvm);
          (oneJvm ? inOneJvm : ours).put(n, s);
          System.out.println(engine + " " + s);
          if (torrent == null) {
            // Keep the first agent's pack and torrent for the libtorrent swarms.
            Path agent0 = round.resolve("agent-0");
            byte[] bytes = rememberedTorrent(agent0);
            Metainfo meta = Metainfo.parse(bytes);
            torrent = Files.write(temp.resolve("pack.torrent"), bytes);
            Path seedDir = Files.createDirectories(temp.resolve("lt-seed"));
            pack =
                Files.move(
                    agent0.resolve("cache").resolve(meta.infoHashHex() + ".pack"),
                    seedDir.resolve(meta.name()));
          }
          deleteRecursively(round);
        }
      }
      if (engines.contains("lt")) {
        for (int n : ns) {
          Lt l = ltSwarm(torrent, pack.getParent(), temp.resolve("lt-" + n), n, seedCap, peerCap);
          theirs.put(n, l);
          System.out.println(l);
          deleteRecursively(temp.resolve("lt-" + n));
        }
      }
    }

    StringBuilder line = new StringBuilder();
    line.append(
        String.format(
            Locale.ROOT,
            "file_mib=%d seed_cap_bps=%d peer_cap_bps=%d down_cap=none",
            mib,
            seedCap,
            peerCap));
    for (int n : ns) {
      Lt l = theirs.get(n);
      if (ours.containsKey(n)) {
        line.append(figures("n" + n + "_", ours.get(n), seedCap, peerCap, l));
      }
      if (inOneJvm.containsKey(n)) {
        line.append(figures("n" + n + "_1jvm_", inOneJvm.get(n), seedCap, peerCap, l));
      }
      if (l != null) {
        double f = (ours.containsKey(n) ? ours.get(n) : inOneJvm.get(n)).packBytes();
        double bound = bound(n, f, seedCap, peerCap);
        System.out.printf(
            Locale.ROOT,
            "N=%d libtorrent: last leecher done after %.1f s (first %.1f s); seeder sent %d"
                + " bytes; CPU %.1f s; load %s%n",
            n,
            l.lastS(),
            l.firstS(),
            l.seederBytes(),
            l.cpuS(),
            l.load());
        line.append(
            String.format(
                Locale.ROOT,
                " n%d_lt_s=%.1f n%d_lt_ratio=%.2f n%d_lt_seed_f=%.2f n%d_lt_cpu_s=%.0f",
                n,
                l.lastS(),
                n,
                l.lastS() / bound,
                n,
                l.seederBytes() / f,
                n,
                l.cpuS()));
      }
    }
    line.append(" load1=").append(Bench.load1());
    System.out.println(line);
  }

  /** Kurose-Ross: max(F/u_s, N·F/(u_s + N·u_i)); d_min is unlimited here. */
  private static double bound(int n, double f, long seedCap, long peerCap) {
    return Math.max(f / seedCap, n * f / (seedCap + (double) n * peerCap));
  }

  /** One swarm of our agents: a line of text, and its key=value figures under {@code prefix}. */
  private static String figures(String prefix, Shoal s, long seedCap, long peerCap, Lt lt) {
    int n = s.n();
    double f = s.packBytes();
    double bound = bound(n, f, seedCap, peerCap);
    // The bound's schedule keeps the origin sending at u_s all along (u_s·T bytes); if it may
    // send only 1.1·F, the peers must move the rest: T >= (N - 1.1)·F / (N·u_i).
    double boundAtEgress = Math.max(1.1 * f / seedCap, (n - 1.1) * f / (n * (double) peerCap));
    boundAtEgress = Math.max(bound, boundAtEgress);
    double fetched = s.fromPeers() + s.fromOrigin();
    System.out.printf(
        Locale.ROOT,
        "N=%d (%s): pack %d bytes; last agent had the pack after %.1f s (first after %.1f s), last"
            + " install done after %.1f s; bound %.1f s; origin sent %d bytes by BitTorrent and"
            + " %d over HTTP; agents fetched %d from peers, %d from the origin; CPU %.1f s; load"
            + " %s%n",
        n,
        prefix.contains("1jvm") ? "agents in one JVM" : "agents as processes",
        s.packBytes(),
        s.lastDownloadS(),
        s.firstDownloadS(),
        s.lastInstallS(),
        bound,
        s.seederBytes(),
        s.httpBytes(),
        s.fromPeers(),
        s.fromOrigin(),
        s.cpuS(),
        s.load());
    String out =
        String.format(
            Locale.ROOT,
            " %ss=%.1f %sbound_s=%.1f %sratio=%.2f %sbound_1.1f_s=%.1f %sorigin_f=%.2f %shttp_f=%.2f"
                + " %soffload=%.3f %sinstall_s=%.1f %scpu_s=%.0f",
            prefix,
            s.lastDownloadS(),
            prefix,
            bound,
            prefix,
            s.lastDownloadS() / bound,
            prefix,
            boundAtEgress,
            prefix,
            (s.seederBytes() + s.httpBytes()) / f,
            prefix,
            s.httpBytes() / f,
            prefix,
            s.fromPeers() / fetched,
            prefix,
            s.lastInstallS(),
            prefix,
            s.cpuS());
    if (lt != null) {
      out += String.format(Locale.ROOT, " %sover_lt=%.2f", prefix, s.lastDownloadS() / lt.lastS());
    }
    return out;
  }

  // ---------------------------------------------------------------- our agents

  private Shoal shoalSwarm(
      ControlPlaneFixture cp,
      Publisher publisher,
      MeterRegistry meters,
      Path round,
      int n,
      long peerCap,
      boolean oneJvm)
      throws Exception {
    List<Member> procs = new ArrayList<>();
    List<LocalApiFile> apis = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        Path data = round.resolve("agent-" + i);
        // One at a time: 20 JVMs starting at once on 2 busy cores took minutes.
        procs.add(
            oneJvm
                ? new Member(null, AgentFixture.start(data))
                : new Member(startAgent(data), null));
        LocalApiFile api = awaitApi(data);
        apis.add(api);
        String device = call(api, "GET", "/v1/status", null).get("deviceId").asString();
        call(
            api,
            "POST",
            "/v1/enrolment",
            Map.of("controlPlane", cp.baseUrl(), "organisation", cp.organisation().slug()));
        publisher
            .api()
            .post("/api/v1/products/game/entitlements", Map.of("deviceId", device))
            .assertSuccess();
        grant(api, "download");
        grant(api, "upload");
        ObjectNode limits = (ObjectNode) call(api, "GET", "/v1/limits", null);
        limits.put("uploadCapBytesPerSecond", peerCap);
        limits.put("downloadCapBytesPerSecond", 0);
        call(api, "PUT", "/v1/limits", limits);
        int port = call(api, "GET", "/v1/status", null).get("rates").get("listenPort").asInt();
        assertThat(port).as("agent %d listens for peers", i).isPositive();
      }
      long seeder0 = seederCounter(cp, meters);
      long http0 = httpCounter(meters);
      long[] cpu0 = new long[n];
      for (int i = 0; i < n; i++) {
        cpu0[i] = cpuTicks(procs.get(i).pid());
      }
      long jvmCpu0 = cpuTicks(ProcessHandle.current().pid());

      // All at once, as libtorrent's leechers add the torrent at one moment: asked one after the
      // other, the 20th agent started 6-8 s after the first (each answer took ~0.4 s on 2 cores
      // already busy with the first agents' downloads).
      List<Callable<String>> requests = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        LocalApiFile api = apis.get(i);
        Path dir = round.resolve("game-" + i);
        requests.add(
            () ->
                call(
                        api,
                        "POST",
                        "/v1/installs",
                        Map.of("product", "game", "channel", "live", "directory", dir.toString()))
                    .get("id")
                    .asString());
      }
      long t0 = System.nanoTime();
      List<String> ids = new ArrayList<>();
      ExecutorService askers = Executors.newFixedThreadPool(n);
      try {
        for (Future<String> id : askers.invokeAll(requests)) {
          ids.add(id.get());
        }
      } finally {
        askers.shutdown();
      }
      System.out.printf(
          Locale.ROOT,
          "N=%d: %d install requests took %.1f s%n",
          n,
          n,
          (System.nanoTime() - t0) / 1e9);
      long[] downloaded = new long[n];
      long[] swarming = new long[n]; // when the agent was first seen DOWNLOADING
      double[] startCpu = new double[n]; // its CPU seconds from the install request until then
      long[] installed = new long[n];
      JsonNode[] last = new JsonNode[n];
      int left = n;
      long deadline = t0 + TIMEOUT.toNanos();
      Timeline timeline = new Timeline(t0, seeder0, http0, n);
      while (left > 0) {
        // Every 500 ms: at 250 ms, answering the polls cost the agents ~1 s of CPU each per 100 s,
        // which on 2 cores shared by 20 agents is several seconds of the swarm's time.
        Thread.sleep(500);
        long now = System.nanoTime();
        timeline.sample(
            now, () -> seederCounter(cp, meters), () -> httpCounter(meters), last, apis);
        assertThat(now).as("all installs done within %s", TIMEOUT).isLessThan(deadline);
        for (int i = 0; i < n; i++) {
          if (installed[i] != 0) {
            continue;
          }
          JsonNode st;
          try {
            st = call(apis.get(i), "GET", "/v1/installs/" + ids.get(i), null);
          } catch (UncheckedIOException e) {
            throw new AssertionError(
                "agent " + i + procs.get(i).state() + " but its local API failed; log in " + LOGS,
                e);
          }
          last[i] = st;
          String state = st.get("state").asString();
          if (swarming[i] == 0 && !List.of("QUEUED", "PREPARING").contains(state)) {
            swarming[i] = now;
            startCpu[i] = oneJvm ? 0 : (cpuTicks(procs.get(i).pid()) - cpu0[i]) / 100.0;
          }
          assertThat(state).as("agent %d: %s", i, st).isNotIn("FAILED", "CANCELLED");
          boolean past = List.of("VERIFYING", "INSTALLING", "COMPLETED").contains(state);
          if (past && downloaded[i] == 0) {
            downloaded[i] = now;
          }
          if (state.equals("COMPLETED")) {
            installed[i] = now;
            left--;
          }
        }
      }
      double cpu = 0; // USER_HZ ticks
      if (oneJvm) {
        cpu = (cpuTicks(ProcessHandle.current().pid()) - jvmCpu0) / 100.0;
      } else {
        for (int i = 0; i < n; i++) {
          cpu += (cpuTicks(procs.get(i).pid()) - cpu0[i]) / 100.0;
        }
      }
      System.out.print(timeline);
      System.out.printf(
          Locale.ROOT,
          "  seen downloading at (s): %s; CPU s each until then: %s%n",
          Arrays.stream(swarming)
              .mapToObj(t -> String.format(Locale.ROOT, "%.1f", (t - t0) / 1e9))
              .collect(java.util.stream.Collectors.joining(" ")),
          Arrays.stream(startCpu)
              .mapToObj(c -> String.format(Locale.ROOT, "%.2f", c))
              .collect(java.util.stream.Collectors.joining(" ")));
      System.out.println(
          (oneJvm
                  ? "CPU of this JVM by thread (s, agents, control plane, origin seeder): "
                  : "agents' CPU by thread (s, all agents, from their start): ")
              + threadCpu(
                  oneJvm
                      ? List.of(ProcessHandle.current().pid())
                      : procs.stream().map(Member::pid).toList()));
      long fromPeers = 0;
      long fromOrigin = 0;
      long packBytes = last[0].get("bytesTotal").asLong();
      for (JsonNode st : last) {
        assertThat(st.get("packKind").asString()).isEqualTo("full");
        assertThat(st.get("bytesTotal").asLong()).isEqualTo(packBytes);
        fromPeers += st.get("bytesFromPeers").asLong();
        fromOrigin += st.get("bytesFromOrigin").asLong();
      }
      assertThat(fromPeers + fromOrigin).isGreaterThanOrEqualTo(n * packBytes);
      return new Shoal(
          n,
          packBytes,
          (Arrays.stream(downloaded).max().orElseThrow() - t0) / 1e9,
          (Arrays.stream(installed).max().orElseThrow() - t0) / 1e9,
          (Arrays.stream(downloaded).min().orElseThrow() - t0) / 1e9,
          fromPeers,
          fromOrigin,
          seederCounter(cp, meters) - seeder0,
          httpCounter(meters) - http0,
          cpu,
          Bench.load());
    } finally {
      for (Member m : procs) {
        m.stop();
      }
      for (Member m : procs) {
        m.awaitStopped();
      }
    }
  }

  /**
   * One agent of a swarm: a process as deployed, or an agent in this JVM ({@code shoal-1jvm}: N
   * agents in one process, as the issue allows and as libtorrent's leechers share one Python
   * process; it pays the JVM's start and JIT once instead of N times on the same 2 cores).
   */
  private record Member(Process process, AgentFixture fixture) {
    long pid() {
      return process != null ? process.pid() : ProcessHandle.current().pid();
    }

    String state() {
      if (process == null) {
        return " runs in this JVM";
      }
      return process.isAlive() ? " is alive" : " exited with " + process.exitValue();
    }

    void stop() {
      if (process != null) {
        process.destroy();
      } else {
        fixture.close();
      }
    }

    void awaitStopped() throws InterruptedException {
      if (process != null) {
        process.waitFor();
      }
    }
  }

  /**
   * Every 10 s of a swarm: the origin seeder's and the HTTP origin's rate, what the agents fetched
   * from peers and from the origin in that time, and how many have the whole pack. It shows where a
   * swarm loses time (an idle seeder, a slow start, a long tail).
   */
  private static final class Timeline {
    private static final long STEP =
        (long) (Double.parseDouble(setting("swarm.bench.step", "SWARM_STEP_S", "10")) * 1e9);
    private final long t0;

    /** When each agent first reported a byte of the pack, in seconds from the start. */
    private final double[] firstByte;

    private final StringBuilder out = new StringBuilder();
    private long next;
    private long seeder;
    private long http;
    private long peers;
    private long origin;

    Timeline(long t0, long seeder, long http, int n) {
      this.t0 = t0;
      this.firstByte = new double[n];
      this.next = t0 + STEP;
      this.seeder = seeder;
      this.http = http;
      out.append(
          "  t(s)  seeder MB/s  http MB/s  agents from peers MB/s  from origin MB/s  done  each agent's upload MB/s / peers\n");
    }

    void sample(
        long now,
        java.util.function.LongSupplier seederNow,
        java.util.function.LongSupplier httpNow,
        JsonNode[] last,
        List<LocalApiFile> apis)
        throws Exception {
      for (int i = 0; i < last.length; i++) {
        JsonNode st = last[i];
        if (firstByte[i] == 0
            && st != null
            && st.path("bytesFromPeers").asLong() + st.path("bytesFromOrigin").asLong() > 0) {
          firstByte[i] = (now - t0) / 1e9;
        }
      }
      if (now < next) {
        return;
      }
      StringBuilder uploads = new StringBuilder();
      for (LocalApiFile api : apis) {
        JsonNode rates = call(api, "GET", "/v1/status", null).get("rates");
        uploads.append(
            String.format(
                Locale.ROOT,
                " %.1f/%d",
                rates.get("uploadBytesPerSecond").asLong() / 1e6,
                rates.get("peers").asInt()));
      }
      long s = seederNow.getAsLong();
      long h = httpNow.getAsLong();
      long p = 0;
      long o = 0;
      int done = 0;
      for (JsonNode st : last) {
        if (st != null) {
          p += st.path("bytesFromPeers").asLong();
          o += st.path("bytesFromOrigin").asLong();
          String state = st.path("state").asString("");
          done += List.of("VERIFYING", "INSTALLING", "COMPLETED").contains(state) ? 1 : 0;
        }
      }
      double secs = (now - next + STEP) / 1e9;
      out.append(
          String.format(
              Locale.ROOT,
              "%6.0f %12.2f %10.2f %23.2f %17.2f %5d %s%n",
              (now - t0) / 1e9,
              (s - seeder) / secs / 1e6,
              (h - http) / secs / 1e6,
              (p - peers) / secs / 1e6,
              (o - origin) / secs / 1e6,
              done,
              uploads));
      seeder = s;
      http = h;
      peers = p;
      origin = o;
      next = now + STEP;
    }

    @Override
    public String toString() {
      StringBuilder first = new StringBuilder("  first byte at (s):");
      for (double t : firstByte) {
        first.append(String.format(Locale.ROOT, " %.1f", t));
      }
      return out.toString() + first + "\n";
    }
  }

  /** Bytes the origin seeder has sent over BitTorrent (its counter grows on every drain). */
  private static long seederCounter(ControlPlaneFixture cp, MeterRegistry meters) {
    cp.bean(dev.shoal.controlplane.origin.OriginTraffic.class).drain();
    return (long) meters.get("shoal.origin.seeder.egress").counter().count();
  }

  /** Pack bytes the HTTP origin has served. */
  private static long httpCounter(MeterRegistry meters) {
    return (long) meters.get("shoal.origin.egress").counter().count();
  }

  /** Agent and libtorrent logs, kept after the run (the data directories are not). */
  private static final Path LOGS = Path.of("target", "swarm-scale-logs").toAbsolutePath();

  private Process startAgent(Path data) throws IOException {
    Files.createDirectories(data);
    Path log = LOGS.resolve(data.getParent().getFileName() + "-" + data.getFileName() + ".log");
    Files.createDirectories(LOGS);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(FLAGS);
    String extra = setting("swarm.bench.agent-flags", "SWARM_AGENT_FLAGS", "");
    if (!extra.isBlank()) {
      cmd.addAll(
          List.of(extra.trim().split("\\s+"))); // to try a JVM flag before the launcher has it
    }
    cmd.add("-XX:+HeapDumpOnOutOfMemoryError");
    cmd.add("-XX:HeapDumpPath=" + LOGS);
    if (!setting("swarm.bench.jfr", "SWARM_JFR", "").isEmpty()
        && data.getFileName().toString().equals("agent-0")) {
      // A CPU profile of one agent: SWARM_JFR=1 (read with `jfr print --events ExecutionSample`).
      cmd.add("-XX:StartFlightRecording=settings=profile,filename=" + LOGS.resolve("agent-0.jfr"));
    }
    if (!setting("swarm.bench.trace", "SWARM_TRACE", "").isEmpty()) {
      // Each torrent's state line every 10 s (Torrent logs it at FINE) in the agents' logs.
      Path config = LOGS.resolve("trace-logging.properties");
      Files.writeString(
          config,
          "handlers=java.util.logging.ConsoleHandler\n"
              + "java.util.logging.ConsoleHandler.level=FINE\n"
              + "dev.shoal.swarm.level=FINE\n");
      cmd.add("-Djava.util.logging.config.file=" + config);
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.shoal.agent.cli.ShoalAgent");
    cmd.addAll(List.of("--data-dir", data.toString(), "run"));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static LocalApiFile awaitApi(Path data) {
    Path file = data.resolve("local-api.json");
    Awaitility.await()
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> LocalApiFile.read(file).isPresent());
    return LocalApiFile.read(file).orElseThrow();
  }

  private static byte[] rememberedTorrent(Path data) throws IOException {
    try (Stream<Path> s = Files.list(data.resolve("state").resolve("packs"))) {
      Path meta = s.findFirst().orElseThrow();
      return Base64.getDecoder()
          .decode(JSON.readTree(Files.readString(meta)).get("torrent").asString());
    }
  }

  // ---------------------------------------------------------------- libtorrent

  private static final Pattern DONE = Pattern.compile("DONE [\\d.]+ (\\d+) (\\d+)");
  private static final Pattern UP = Pattern.compile("UP (\\d+)");

  private Lt ltSwarm(Path torrent, Path seedDir, Path dir, int n, long seedCap, long peerCap)
      throws Exception {
    Files.createDirectories(dir);
    Path work = Files.createDirectories(LOGS.resolve(dir.getFileName()));
    Path script = Path.of("..", "swarm", "bench", "lt_peer.py").toAbsolutePath().normalize();
    int[] ports = freePorts(n + 1);
    List<Process> procs = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    try {
      Path seedLog = work.resolve("seed.log");
      procs.add(
          python(
              seedLog,
              List.of(
                  script.toString(),
                  "seed",
                  torrent.toString(),
                  seedDir.toString(),
                  "--port",
                  Integer.toString(ports[0]),
                  "--up-cap",
                  Long.toString(seedCap),
                  "--no-tracker")));
      await(procs.get(0), seedLog, "READY", Duration.ofMinutes(3));
      // Every leecher adds the torrent at the same moment, once all have started.
      long startAt = System.currentTimeMillis() + 3000 + 150L * n;
      for (int i = 0; i < n; i++) {
        Path d = Files.createDirectories(dir.resolve("peer-" + i));
        List<String> cmd =
            new ArrayList<>(
                List.of(
                    script.toString(),
                    "download",
                    torrent.toString(),
                    d.toString(),
                    "--port",
                    Integer.toString(ports[i + 1]),
                    "--up-cap",
                    Long.toString(peerCap),
                    "--no-tracker",
                    "--stay",
                    "--timeout",
                    Long.toString(TIMEOUT.toSeconds()),
                    "--start-at",
                    Long.toString(startAt)));
        for (int j = 0; j <= n; j++) {
          if (j != i + 1) {
            cmd.add("--peer");
            cmd.add("127.0.0.1:" + ports[j]);
          }
        }
        Path log = work.resolve("peer-" + i + ".log");
        logs.add(log);
        procs.add(python(log, cmd));
      }
      long[] cpu0 = new long[procs.size()];
      for (int i = 0; i < procs.size(); i++) {
        cpu0[i] = cpuTicks(procs.get(i).pid());
      }
      long seed0 = lastUp(seedLog);
      long lastEnd = 0;
      long firstEnd = Long.MAX_VALUE;
      for (int i = 0; i < n; i++) {
        String text = await(procs.get(i + 1), logs.get(i), "DONE", TIMEOUT);
        Matcher m = DONE.matcher(text);
        assertThat(m.find()).as(text).isTrue();
        lastEnd = Math.max(lastEnd, Long.parseLong(m.group(2)));
        firstEnd = Math.min(firstEnd, Long.parseLong(m.group(2)));
      }
      Thread.sleep(1500); // one more UP line from the seeder
      double cpu = 0;
      for (int i = 0; i < procs.size(); i++) {
        cpu += (cpuTicks(procs.get(i).pid()) - cpu0[i]) / 100.0;
      }
      return new Lt(
          n,
          (lastEnd - startAt) / 1000.0,
          (firstEnd - startAt) / 1000.0,
          lastUp(seedLog) - seed0,
          cpu,
          Bench.load());
    } finally {
      for (Process p : procs) {
        p.destroy();
      }
      for (Process p : procs) {
        p.waitFor();
      }
    }
  }

  private static Process python(Path log, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(PYTHON);
    cmd.addAll(args);
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** Waits until the log has {@code word}; returns the log. The process must not die first. */
  private static String await(Process p, Path log, String word, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String text = Files.readString(log);
      if (text.contains(word)) {
        return text;
      }
      if (!p.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("no " + word + " from " + log + ":\n" + text);
      }
      Thread.sleep(100);
    }
  }

  private static long lastUp(Path log) throws IOException {
    Matcher m = UP.matcher(Files.readString(log));
    long last = 0;
    while (m.find()) {
      last = Long.parseLong(m.group(1));
    }
    return last;
  }

  private static int[] freePorts(int n) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0);
        sockets.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private static String setting(String property, String env, String fallback) {
    String v = System.getProperty(property);
    if (v == null || v.isBlank()) {
      v = System.getenv(env);
    }
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  /**
   * CPU seconds per thread name (digits dropped, so "C2 CompilerThre" or "shoal-engine" add up over
   * all agents), the largest first: tells the JIT's and the GC's share from the agent's own work.
   */
  private static String threadCpu(List<Long> pids) {
    Map<String, Double> byName = new java.util.HashMap<>();
    for (long pid : pids) {
      try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
        for (Path task : tasks.toList()) {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          double s = ticksOf(stat) / 100.0;
          byName.merge(name.replaceAll("[0-9]+", "#"), s, Double::sum);
        }
      } catch (IOException e) {
        // the process or thread is gone
      }
    }
    StringBuilder out = new StringBuilder();
    byName.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .limit(10)
        .forEach(e -> out.append(String.format(Locale.ROOT, "%s=%.1f ", e.getKey(), e.getValue())));
    return out.toString().trim();
  }

  /** utime + stime of a /proc/.../stat line (process or thread), in clock ticks. */
  private static long ticksOf(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** utime + stime of the process, in clock ticks; 0 once it is gone. */
  private static long cpuTicks(long pid) {
    try {
      return ticksOf(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    } catch (IOException e) {
      return 0;
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
