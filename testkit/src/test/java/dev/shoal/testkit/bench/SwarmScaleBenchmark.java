package dev.shoal.testkit.bench;

import static dev.shoal.testkit.ProcessAgentApi.call;
import static dev.shoal.testkit.ProcessAgentApi.grant;
import static dev.shoal.testkit.ProcessAgentApi.install;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.localapi.LocalApiFile;
import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.testkit.AgentFixture;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testkit.LauncherFlags;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.OriginAlone;
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
 * Swarms of N real agents (each its own process with the launcher's JVM flags, or with {@code
 * shoal-1jvm} all in this JVM; peer download and upload consent, upload capped at u_i and download
 * at d through the local API) installing one release from a real control plane whose origin (seeder
 * and HTTP together, {@code shoal.origin.upload-cap}) is capped at u_s; then, per scenario, the
 * same swarm of libtorrent peers (one seeder at u_s, N leechers at u_i and d, full mesh of direct
 * addresses, the same arrival times) on the same pack. Per scenario ({@link #matrix}): each
 * player's time from its own start over its time from the origin alone ({@link OriginAlone}: a fair
 * share of u_s among the players downloading at each moment, its own cap respected), the last
 * player over the Kurose–Ross bound max(F/u_s, F/d_min, N·F/(u_s + N·u_i)) (players starting
 * together), our last player over libtorrent's, the origin's egress (seeder plus HTTP) in F against
 * 1.1 × max(F, N·F − N·u_i·T_bound). Prints {@code key=value} figures on its last line;
 * docs/benchmarks.md has the command and the results.
 *
 * <p>System properties (or the environment variables in brackets): {@code swarm.bench.scenarios}
 * (SWARM_SCENARIOS: "all", or scenario names or prefixes such as "t-20to1,a-", see {@link
 * #selected}; unset: SWARM_N's together-start swarms at SWARM_PEER_CAP, as before), {@code
 * swarm.bench.n} (SWARM_N, default "5,10,20"), {@code swarm.bench.seed-cap} (SWARM_SEED_CAP, u_s,
 * bytes/s, default 10000000), {@code swarm.bench.peer-cap} (SWARM_PEER_CAP, default 2000000, for
 * SWARM_N only), {@code swarm.bench.mib} (SWARM_MIB, default 64), {@code swarm.bench.engines}
 * (SWARM_ENGINES, default "shoal,lt"; any of shoal, shoal-1jvm, lt), {@code swarm.bench.step}
 * (SWARM_STEP_S, the timeline's step, default 10), SWARM_TRACE=1 (each agent process logs its
 * torrent's state every 10 s), SWARM_JFR=1 (a CPU profile of agent 0), SWARM_AGENT_FLAGS (JVM
 * options added to the launcher's, to try one out), SWARM_AGENT_ARGS (arguments added to {@code
 * shoal-agent run}, e.g. {@code --utp=off}).
 */
@Tag("benchmark")
class SwarmScaleBenchmark {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration TIMEOUT = Duration.ofMinutes(20);
  private static final String PYTHON = "/usr/bin/python3";

  /** The launcher's flags (deploy/agent/build-runtime.sh, shoal-agent.service). */
  private static final List<String> FLAGS = LauncherFlags.read();

  @TempDir Path temp;

  /**
   * One swarm to run: N players with upload cap u_i (and download cap d, 0 = none), starting
   * together or arriving with exponential gaps of mean F/(4·u_s) (the same arrival times for our
   * agents and for libtorrent). The origin's rate u_s is the control plane's {@code
   * shoal.origin.upload-cap} (seeder and HTTP together), the same for every scenario of a run.
   */
  record Scenario(String name, int n, long peerCap, long downCap, boolean arriving) {
    String key() {
      return name.replace('-', '_') + "_";
    }

    /** Each player's start in seconds from the first; a fixed seed, so every run has the same. */
    double[] arrivals(double fileBytes, long seedCap) {
      double[] at = new double[n];
      if (arriving) {
        java.util.Random random = new java.util.Random(1000L * n + name.length());
        double mean = fileBytes / (4.0 * seedCap);
        for (int i = 1; i < n; i++) {
          at[i] = at[i - 1] - mean * Math.log(1 - random.nextDouble());
        }
      }
      return at;
    }

    double[] downCaps() {
      double[] caps = new double[n];
      Arrays.fill(caps, downCap);
      return caps;
    }
  }

  /**
   * The matrix (u_s = {@code seedCap}): players starting together at origin:uplink 5:2, 5:1 and
   * 20:1, each at N = 2, 5 and 20; players arriving over time at 20:1 with N = 5 and 20 and at 5:2
   * with N = 20; and two runs with download caps of 10x the upload cap (asymmetric links), where
   * that cap binds: 20:1 at N = 2 together (F/d is the bound) and 20:1 at N = 20 arriving (the
   * first players alone would take the origin's whole rate).
   */
  static List<Scenario> matrix(long seedCap) {
    List<Scenario> out = new ArrayList<>();
    long[][] ratios = {{5, 2}, {5, 1}, {20, 1}};
    for (long[] r : ratios) {
      for (int n : new int[] {2, 5, 20}) {
        out.add(
            new Scenario("t-" + r[0] + "to" + r[1] + "-n" + n, n, seedCap * r[1] / r[0], 0, false));
      }
    }
    out.add(new Scenario("a-20to1-n5", 5, seedCap / 20, 0, true));
    out.add(new Scenario("a-20to1-n20", 20, seedCap / 20, 0, true));
    out.add(new Scenario("a-5to2-n20", 20, seedCap * 2 / 5, 0, true));
    out.add(new Scenario("d-20to1-n2", 2, seedCap / 20, seedCap / 2, false));
    out.add(new Scenario("d-20to1-n20", 20, seedCap / 20, seedCap / 2, true));
    return out;
  }

  /**
   * SWARM_SCENARIOS: "all", or names and name prefixes up to a dash of {@link #matrix} ("t-20to1" =
   * its three together-start runs, "a-" = the arrivals; "t-20to1-n2" is that one run only),
   * comma-separated. Unset: one together-start scenario per SWARM_N at SWARM_PEER_CAP
   * ("custom-n5"...), as before the matrix.
   */
  static List<Scenario> selected(long seedCap, long peerCap) {
    String wanted = setting("swarm.bench.scenarios", "SWARM_SCENARIOS", "");
    if (wanted.isEmpty()) {
      List<Scenario> out = new ArrayList<>();
      for (String n : setting("swarm.bench.n", "SWARM_N", "5,10,20").split(",")) {
        int count = Integer.parseInt(n.trim());
        out.add(new Scenario("custom-n" + count, count, peerCap, 0, false));
      }
      return out;
    }
    List<Scenario> out = new ArrayList<>();
    for (Scenario s : matrix(seedCap)) {
      for (String w : wanted.split(",")) {
        String token = w.trim();
        String prefix = token.endsWith("-") ? token : token + "-";
        if (token.equals("all") || s.name().equals(token) || s.name().startsWith(prefix)) {
          out.add(s);
          break;
        }
      }
    }
    assertThat(out).as("scenarios matching %s among %s", wanted, matrix(seedCap)).isNotEmpty();
    return out;
  }

  /**
   * What one swarm of our agents did; times in seconds, {@code startS} and {@code doneS} per player
   * from the first player's start.
   */
  record Shoal(
      int n,
      long packBytes,
      double[] startS,
      double[] doneS,
      double lastInstallS,
      long fromPeers,
      long fromOrigin,
      long seederBytes,
      long httpBytes,
      double cpuS,
      String load) {
    double lastDownloadS() {
      return Arrays.stream(doneS).max().orElseThrow();
    }

    double firstDownloadS() {
      return Arrays.stream(doneS).min().orElseThrow();
    }

    /** Each player's time from its own start. */
    double[] took() {
      return durations(startS, doneS);
    }
  }

  /** What one swarm of libtorrent peers did (per leecher as in {@link Shoal}). */
  record Lt(int n, double[] startS, double[] doneS, long seederBytes, double cpuS, String load) {
    double lastS() {
      return Arrays.stream(doneS).max().orElseThrow();
    }

    double firstS() {
      return Arrays.stream(doneS).min().orElseThrow();
    }

    double[] took() {
      return durations(startS, doneS);
    }
  }

  /** Each player's time from its own start, by index. */
  static double[] durations(double[] startS, double[] doneS) {
    double[] t = new double[doneS.length];
    for (int i = 0; i < t.length; i++) {
      t[i] = doneS[i] - startS[i];
    }
    return t;
  }

  @Test
  void aSwarmOfNAgentsAgainstTheLowerBoundAndLibtorrent() throws Exception {
    long seedCap = Long.parseLong(setting("swarm.bench.seed-cap", "SWARM_SEED_CAP", "10000000"));
    long peerCap = Long.parseLong(setting("swarm.bench.peer-cap", "SWARM_PEER_CAP", "2000000"));
    int mib = Integer.parseInt(setting("swarm.bench.mib", "SWARM_MIB", "64"));
    List<Scenario> scenarios = selected(seedCap, peerCap);
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

    Map<String, Shoal> ours = new LinkedHashMap<>();
    Map<String, Shoal> inOneJvm = new LinkedHashMap<>();
    Map<String, Lt> theirs = new LinkedHashMap<>();
    long started = System.nanoTime();
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
      for (Scenario sc : scenarios) {
        for (String engine : List.of("shoal", "shoal-1jvm")) {
          if (!engines.contains(engine)) {
            continue;
          }
          boolean oneJvm = engine.equals("shoal-1jvm");
          Path round = temp.resolve(engine + "-" + sc.name());
          Shoal s = shoalSwarm(cp, publisher, meters, round, sc, seedCap, mib, oneJvm);
          (oneJvm ? inOneJvm : ours).put(sc.name(), s);
          System.out.println(engine + " " + sc.name() + " " + describe(s));
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
        if (engines.contains("lt")) {
          double f = (ours.containsKey(sc.name()) ? ours : inOneJvm).get(sc.name()).packBytes();
          Path dir = temp.resolve("lt-" + sc.name());
          Lt l = ltSwarm(torrent, pack.getParent(), dir, sc, seedCap, f);
          theirs.put(sc.name(), l);
          System.out.println("lt " + sc.name() + " " + describe(l));
          deleteRecursively(dir);
        }
      }
    }

    StringBuilder line = new StringBuilder();
    line.append(
        String.format(
            Locale.ROOT,
            "file_mib=%d seed_cap_bps=%d scenarios=%d minutes=%.1f",
            mib,
            seedCap,
            scenarios.size(),
            (System.nanoTime() - started) / 60e9));
    for (Scenario sc : scenarios) {
      Lt l = theirs.get(sc.name());
      if (ours.containsKey(sc.name())) {
        line.append(figures(sc.key(), sc, ours.get(sc.name()), seedCap, l));
      }
      if (inOneJvm.containsKey(sc.name())) {
        line.append(figures(sc.key() + "1jvm_", sc, inOneJvm.get(sc.name()), seedCap, l));
      }
      if (l != null) {
        double f = (ours.containsKey(sc.name()) ? ours : inOneJvm).get(sc.name()).packBytes();
        double[] alone = OriginAlone.times(f, seedCap, l.startS(), sc.downCaps());
        line.append(
            String.format(
                Locale.ROOT,
                " %slt_s=%.1f %slt_alone=%.2f %slt_origin_f=%.2f",
                sc.key(),
                l.lastS(),
                sc.key(),
                worst(l.took(), alone),
                sc.key(),
                l.seederBytes() / f));
        if (!sc.arriving()) {
          line.append(
              String.format(
                  Locale.ROOT, " %slt_bound=%.2f", sc.key(), l.lastS() / bound(sc, f, seedCap)));
        }
      }
    }
    line.append(" load1=").append(Bench.load1());
    System.out.println(line);
  }

  /** Kurose-Ross: max(F/u_s, F/d_min, N·F/(u_s + N·u_i)). */
  static double bound(Scenario sc, double f, long seedCap) {
    double b = Math.max(f / seedCap, sc.n() * f / (seedCap + (double) sc.n() * sc.peerCap()));
    return sc.downCap() > 0 ? Math.max(b, f / sc.downCap()) : b;
  }

  /**
   * What the origin may send at most (players starting together): 1.1 × max(F, N·F − Σu_i·T_bound),
   * the bytes the players' uplinks cannot carry in the bound's time.
   */
  static double egressLimit(Scenario sc, double f, long seedCap) {
    double t = bound(sc, f, seedCap);
    return 1.1 * Math.max(f, sc.n() * f - sc.n() * (double) sc.peerCap() * t);
  }

  /** The worst player's time over its time from the origin alone. */
  static double worst(double[] took, double[] alone) {
    double w = 0;
    for (int i = 0; i < took.length; i++) {
      w = Math.max(w, took[i] / alone[i]);
    }
    return w;
  }

  /** Whether every player made it within 1.05 × its origin-alone time + 1 s. */
  static boolean neverSlower(double[] took, double[] alone) {
    for (int i = 0; i < took.length; i++) {
      if (took[i] > 1.05 * alone[i] + 1) {
        return false;
      }
    }
    return true;
  }

  private static String describe(Shoal s) {
    return String.format(
        Locale.ROOT,
        "players started at %s s, took %s s; last done %.1f s; origin sent %d by BitTorrent, %d over"
            + " HTTP; from peers %d, from the origin %d; CPU %.1f s; load %s",
        seconds(s.startS()),
        seconds(s.took()),
        s.lastDownloadS(),
        s.seederBytes(),
        s.httpBytes(),
        s.fromPeers(),
        s.fromOrigin(),
        s.cpuS(),
        s.load());
  }

  private static String describe(Lt l) {
    return String.format(
        Locale.ROOT,
        "leechers started at %s s, took %s s; last done %.1f s; seeder sent %d; CPU %.1f s; load %s",
        seconds(l.startS()),
        seconds(l.took()),
        l.lastS(),
        l.seederBytes(),
        l.cpuS(),
        l.load());
  }

  private static String seconds(double[] values) {
    return Arrays.stream(values)
        .mapToObj(v -> String.format(Locale.ROOT, "%.1f", v))
        .collect(java.util.stream.Collectors.joining(" ", "[", "]"));
  }

  /** One swarm of our agents: a line of text, and its key=value figures under {@code prefix}. */
  private static String figures(String prefix, Scenario sc, Shoal s, long seedCap, Lt lt) {
    double f = s.packBytes();
    double[] alone = OriginAlone.times(f, seedCap, s.startS(), sc.downCaps());
    double origin = (s.seederBytes() + s.httpBytes()) / f;
    System.out.printf(
        Locale.ROOT,
        "%s (%s): pack %d bytes; players took %s s, from the origin alone %s s; origin sent %.2f F"
            + " (HTTP %.2f F)%s%n",
        sc.name(),
        prefix.contains("1jvm") ? "agents in one JVM" : "agents as processes",
        s.packBytes(),
        seconds(s.took()),
        seconds(alone),
        origin,
        s.httpBytes() / f,
        sc.arriving()
            ? ""
            : String.format(
                Locale.ROOT,
                "; bound %.1f s, origin limit %.2f F",
                bound(sc, f, seedCap),
                egressLimit(sc, f, seedCap) / f));
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            " %ss=%.1f %salone=%.2f %salone_ok=%d %sorigin_f=%.2f %shttp_f=%.2f %soffload=%.3f"
                + " %scpu_s=%.0f",
            prefix,
            s.lastDownloadS(),
            prefix,
            worst(s.took(), alone),
            prefix,
            neverSlower(s.took(), alone) ? 1 : 0,
            prefix,
            origin,
            prefix,
            s.httpBytes() / f,
            prefix,
            s.fromPeers() / (double) (s.fromPeers() + s.fromOrigin()),
            prefix,
            s.cpuS()));
    if (!sc.arriving()) {
      out.append(
          String.format(
              Locale.ROOT,
              " %sbound_s=%.1f %sbound=%.2f %sorigin_limit_f=%.2f",
              prefix,
              bound(sc, f, seedCap),
              prefix,
              s.lastDownloadS() / bound(sc, f, seedCap),
              prefix,
              egressLimit(sc, f, seedCap) / f));
    }
    if (lt != null) {
      out.append(
          String.format(Locale.ROOT, " %sover_lt=%.2f", prefix, s.lastDownloadS() / lt.lastS()));
    }
    return out.toString();
  }

  // ---------------------------------------------------------------- our agents

  private Shoal shoalSwarm(
      ControlPlaneFixture cp,
      Publisher publisher,
      MeterRegistry meters,
      Path round,
      Scenario sc,
      long seedCap,
      int mib,
      boolean oneJvm)
      throws Exception {
    int n = sc.n();
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
        limits.put("uploadCapBytesPerSecond", sc.peerCap());
        limits.put("downloadCapBytesPerSecond", sc.downCap());
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

      // Together: all at once, as libtorrent's leechers add the torrent at one moment (asked one
      // after the other, the 20th agent started 6-8 s after the first; each answer took ~0.4 s on
      // 2 cores already busy with the first agents' downloads). Arriving: each at its time.
      double[] arrivals = sc.arrivals(mib * (double) GameBuilds.MIB, seedCap);
      java.util.concurrent.atomic.AtomicReferenceArray<String> ids =
          new java.util.concurrent.atomic.AtomicReferenceArray<>(n);
      long[] startedAt = new long[n];
      long t0 = System.nanoTime() + 200_000_000L;
      ExecutorService askers = Executors.newFixedThreadPool(n);
      List<Future<?>> asked = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        LocalApiFile api = apis.get(i);
        Path dir = round.resolve("game-" + i);
        int k = i;
        asked.add(
            askers.submit(
                () -> {
                  long at = t0 + (long) (arrivals[k] * 1e9);
                  long wait = at - System.nanoTime();
                  if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                  }
                  startedAt[k] = System.nanoTime();
                  ids.set(k, install(api, "game", "live", dir));
                  return null;
                }));
      }
      askers.shutdown();
      long[] downloaded = new long[n];
      long[] polledAt = new long[n]; // each agent's previous poll, and what it had then
      JsonNode[] polled = new JsonNode[n];
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
        for (Future<?> a : asked) {
          if (a.isDone()) {
            a.get(); // a failed install request fails the run
          }
        }
        for (int i = 0; i < n; i++) {
          if (installed[i] != 0 || ids.get(i) == null) {
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
            downloaded[i] = finishedAt(now, polledAt[i], polled[i]);
          }
          polledAt[i] = now;
          polled[i] = st;
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
      double[] startS = new double[n];
      double[] doneS = new double[n];
      for (int i = 0; i < n; i++) {
        startS[i] = (startedAt[i] - t0) / 1e9;
        doneS[i] = (downloaded[i] - t0) / 1e9;
      }
      return new Shoal(
          n,
          packBytes,
          startS,
          doneS,
          (Arrays.stream(installed).max().orElseThrow() - t0) / 1e9,
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
   * When an agent seen past DOWNLOADING at {@code now} had the whole pack: the previous poll's
   * bytes left at its rate then, no earlier than that poll. A round of polls over 20 busy agents
   * takes seconds; the first poll that saw an agent done was that much late.
   */
  private static long finishedAt(long now, long prevAt, JsonNode prev) {
    if (prev == null || !"DOWNLOADING".equals(prev.path("state").asString(""))) {
      return now;
    }
    long left = prev.path("bytesTotal").asLong() - prev.path("bytesDone").asLong();
    long rate = prev.path("bytesPerSecond").asLong();
    if (rate <= 0) {
      return now;
    }
    return Math.min(now, prevAt + (long) (left * 1e9 / rate));
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
    return (long) meters.get("shoal.origin.http.egress").counter().count();
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
    cmd.addAll(LauncherFlags.runArguments(data));
    String args = setting("swarm.bench.agent-args", "SWARM_AGENT_ARGS", "");
    if (!args.isBlank()) {
      cmd.addAll(List.of(args.trim().split("\\s+")));
    }
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

  private Lt ltSwarm(Path torrent, Path seedDir, Path dir, Scenario sc, long seedCap, double f)
      throws Exception {
    int n = sc.n();
    double[] arrivals = sc.arrivals(f, seedCap);
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
      // Every leecher adds the torrent at the same moment once all have started (or, arriving, at
      // its time from that moment).
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
                    Long.toString(sc.peerCap()),
                    "--down-cap",
                    Long.toString(sc.downCap()),
                    "--no-tracker",
                    "--stay",
                    "--timeout",
                    Long.toString(TIMEOUT.toSeconds() + (long) arrivals[i]),
                    "--start-at",
                    Long.toString(startAt + (long) (arrivals[i] * 1000))));
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
      double[] startS = new double[n];
      double[] doneS = new double[n];
      for (int i = 0; i < n; i++) {
        String text =
            await(
                procs.get(i + 1),
                logs.get(i),
                "DONE",
                TIMEOUT.plusSeconds((long) arrivals[i] + 10));
        Matcher m = DONE.matcher(text);
        assertThat(m.find()).as(text).isTrue();
        startS[i] = (Long.parseLong(m.group(1)) - startAt) / 1000.0;
        doneS[i] = (Long.parseLong(m.group(2)) - startAt) / 1000.0;
      }
      Thread.sleep(1500); // one more UP line from the seeder
      double cpu = 0;
      for (int i = 0; i < procs.size(); i++) {
        cpu += (cpuTicks(procs.get(i).pid()) - cpu0[i]) / 100.0;
      }
      return new Lt(n, startS, doneS, lastUp(seedLog) - seed0, cpu, Bench.load());
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
