package dev.shoal.testkit.lab;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code testkit/lab/run.sh nat}: players behind NAT, in the lab. One lab, four phases, each with
 * fresh agents (new devices) installing a product of its own at the same time:
 *
 * <ol>
 *   <li>{@code none}: every home NATed, agents with {@code --port-mapping=off --hole-punch=off};
 *   <li>{@code mapped}: {@code --port-mapping=auto --hole-punch=off};
 *   <li>{@code punched}: {@code --port-mapping=auto --hole-punch=on}; then the LAN home's second
 *       player installs, and the bytes its LAN neighbour sent it are counted on the LAN bridge;
 *   <li>{@code open}: the same homes, agents and flags as {@code punched}, without NAT.
 * </ol>
 *
 * <p>A pair of homes "exchanged pieces" ({@code pairs_*}) when at least {@link #PAIR_BYTES} crossed
 * between them (either way) during the phase, counted by nftables on their routers' WAN (handshakes
 * and refused connection attempts are a few hundred bytes; a piece is far more). The counters run
 * on across phases, so each phase takes the difference from its start (summed from the lab's start,
 * "punched" counted the pairs "mapped" had connected). A pair "connected" ({@code conn_*}) when a
 * SYN-ACK (or a uTP ST_STATE) crossed between them during the phase: a connection was accepted,
 * whether or not the swarm then used it for pieces (two players may both fetch from the origin and
 * others). Offload: bytes from peers over all bytes the phase's installs downloaded, as the agents
 * report them. The lab has no propagation delay or loss: only the queueing delay of its shaped
 * links. {@code -Dlab.agent-args} adds arguments to every agent (e.g. {@code --utp=on}); {@code
 * -Dlab.router-reset=true} makes the NAT routers answer unsolicited TCP with a RST.
 */
@Tag("benchmark")
class NatLabBenchmark {
  static final long PAIR_BYTES = 64 * 1024;

  private static final int HOMES = Integer.getInteger("lab.homes", 7);
  private static final int MIB = Integer.getInteger("lab.mib", 12);
  private static final Duration PHASE = Duration.ofSeconds(Integer.getInteger("lab.phase", 240));

  /** Arguments every phase's agents get as well, e.g. {@code -Dlab.agent-args=--utp=on}. */
  private static final String AGENT_ARGS = System.getProperty("lab.agent-args", "").strip();

  /** {@code -Dlab.router-reset=true}: NAT routers answer unsolicited TCP with a RST, not a drop. */
  private static final boolean ROUTER_RESET = Boolean.getBoolean("lab.router-reset");

  /**
   * Home layout: the last home has two players; two homes are symmetric; of the cone homes, two run
   * miniupnpd and the others (the LAN home among them) have no IGD. With one cone home without IGD
   * (the layout before), no cone-cone pair needed punching, so "punched" could not add anything
   * over "mapped" by construction; three such homes make three pairs that only punching connects.
   */
  private static Nat natOf(int home) {
    return home == 4 || home == 5 ? Nat.SYMMETRIC : Nat.CONE;
  }

  private static boolean igd(int home) {
    return natOf(home) == Nat.CONE && home < 2;
  }

  @Test
  void nat() throws Exception {
    Lab.assumeAvailable();
    int lanHome = HOMES - 1;
    Lab.Builder b =
        Lab.builder()
            .homes(HOMES)
            .players(lanHome, 2)
            .uplinkKbit(8_000)
            // The origin: a fraction of what the homes upload together, so offload matters.
            .controlPlaneSetting("shoal.origin.upload-cap", "1MB")
            .controlPlaneSetting("shoal.tracker.interval", "30s")
            .timeout(PHASE.multipliedBy(5).plusMinutes(5));
    for (int i = 0; i < HOMES; i++) {
      b.nat(i, natOf(i));
      if (igd(i)) {
        b.miniupnpd(i);
      }
    }
    Map<String, String> flags = knownFlags();
    Map<String, Object> out = new LinkedHashMap<>();
    long begin = System.nanoTime();
    try (Lab lab = b.build()) {
      for (Home h : lab.homes()) {
        h.resetUnsolicitedTcp(ROUTER_RESET);
      }
      Publisher studio = lab.controlPlane().publisher();
      Phase none = phase(lab, studio, "none", args(flags, "off", "off"), false);
      Phase mapped = phase(lab, studio, "mapped", args(flags, "auto", "off"), false);
      Phase punched = phase(lab, studio, "punched", args(flags, "auto", "on"), true);
      for (Home h : lab.homes()) {
        h.nat(Nat.NONE);
      }
      Phase open = phase(lab, studio, "open", args(flags, "auto", "on"), false);
      out.put("pairs_cone_none", none.share(false));
      out.put("pairs_cone_mapped", mapped.share(false));
      out.put("pairs_cone_punched", punched.share(false));
      out.put("pairs_symmetric_none", none.share(true));
      out.put("pairs_symmetric_mapped", mapped.share(true));
      out.put("pairs_symmetric_punched", punched.share(true));
      out.put("pairs_open", open.share(false));
      out.put("conn_cone_none", none.connected(false));
      out.put("conn_cone_mapped", mapped.connected(false));
      out.put("conn_cone_punched", punched.connected(false));
      out.put("conn_symmetric_none", none.connected(true));
      out.put("conn_symmetric_mapped", mapped.connected(true));
      out.put("conn_symmetric_punched", punched.connected(true));
      out.put("offload_open", open.offload());
      out.put("offload_nat", punched.offload());
      out.put("offload_nat_none", none.offload());
      out.put("offload_nat_mapped", mapped.offload());
      out.put("lan_share", punched.lanShare);
      out.put("lan_bytes", punched.lanBytes);
      out.put("t_open_median_s", open.median());
      out.put("t_open_max_s", open.max());
      out.put("t_nat_median_s", punched.median());
      out.put("t_nat_max_s", punched.max());
      out.put("t_nat_none_max_s", none.max());
      out.put("failed_installs", none.failed + mapped.failed + punched.failed + open.failed);
    }
    out.put("homes", HOMES);
    out.put("players", HOMES + 1);
    out.put("mib", MIB);
    out.put("flag_port_mapping", flags.get("port-mapping"));
    out.put("flag_hole_punch", flags.get("hole-punch"));
    out.put("router_reset", ROUTER_RESET);
    out.put("agent_args", AGENT_ARGS.isEmpty() ? "none" : AGENT_ARGS.replace(' ', ','));
    out.put("seconds", (System.nanoTime() - begin) / 1_000_000_000);
    out.put("load", load());
    StringBuilder line = new StringBuilder();
    out.forEach(
        (k, v) ->
            line.append(k)
                .append('=')
                .append(v instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : v)
                .append(' '));
    System.out.println(line.toString().strip());
  }

  /** One phase's installs and the pairs of homes that exchanged pieces. */
  private static final class Phase {
    final List<Double> seconds = new ArrayList<>();
    long fromPeers;
    long fromOrigin;
    int failed;
    int conePairs;
    int coneConnected;
    int symmetricPairs;
    int symmetricConnected;
    int coneReached;
    int symmetricReached;
    final List<String> apart = new ArrayList<>();
    double lanShare = Double.NaN;
    long lanBytes;

    double share(boolean symmetric) {
      return symmetric
          ? symmetricPairs == 0 ? Double.NaN : (double) symmetricConnected / symmetricPairs
          : conePairs == 0 ? Double.NaN : (double) coneConnected / conePairs;
    }

    double connected(boolean symmetric) {
      return symmetric
          ? symmetricPairs == 0 ? Double.NaN : (double) symmetricReached / symmetricPairs
          : conePairs == 0 ? Double.NaN : (double) coneReached / conePairs;
    }

    double offload() {
      long all = fromPeers + fromOrigin;
      return all == 0 ? Double.NaN : (double) fromPeers / all;
    }

    double median() {
      List<Double> s = seconds.stream().sorted().toList();
      return s.isEmpty() ? Double.NaN : s.get(s.size() / 2);
    }

    double max() {
      return seconds.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
  }

  private static Phase phase(
      Lab lab, Publisher studio, String name, List<String> agentArgs, boolean lanPlayer)
      throws Exception {
    String product = "game-" + name;
    studio.product(product, "live");
    studio.publish(product, "live", GameBuilds.build(name.hashCode(), MIB * GameBuilds.MIB), "1.0");
    List<Home> homes = lab.homes();
    ExecutorService pool = Executors.newFixedThreadPool(homes.size() + 1);
    List<LabAgent> agents = new ArrayList<>();
    Phase p = new Phase();
    Map<Home, Map<String, Long>> atStart = new HashMap<>();
    for (Home h : homes) {
      atStart.put(h, h.wanCounters());
    }
    try {
      List<Future<LabAgent>> starting = new ArrayList<>();
      for (Home h : homes) {
        starting.add(pool.submit(() -> ready(studio, product, h.startAgent(0, agentArgs))));
      }
      Future<LabAgent> second =
          lanPlayer
              ? pool.submit(
                  () ->
                      ready(studio, product, homes.get(homes.size() - 1).startAgent(1, agentArgs)))
              : null;
      for (Future<LabAgent> f : starting) {
        agents.add(f.get());
      }
      long start = System.nanoTime();
      Map<LabAgent, String> installs = new LinkedHashMap<>();
      for (LabAgent a : agents) {
        installs.put(a, a.install(product, "live"));
      }
      // Each install's time is taken when it ends, in its own waiting task.
      List<Future<Ended>> ends = new ArrayList<>();
      for (var e : installs.entrySet()) {
        ends.add(
            pool.submit(
                () -> {
                  JsonNode done = e.getKey().awaitInstall(e.getValue(), PHASE);
                  return new Ended(done, (System.nanoTime() - start) / 1e9);
                }));
      }
      for (Future<Ended> f : ends) {
        tally(p, f.get());
      }
      // Counted before the LAN player adds its own traffic.
      for (int i = 0; i < homes.size(); i++) {
        for (int j = i + 1; j < homes.size(); j++) {
          Home a = homes.get(i);
          Home c = homes.get(j);
          Map<String, Long> now = a.wanCounters();
          Map<String, Long> before = atStart.get(a);
          boolean exchanged =
              since(now, before, "to-" + c.index()) + since(now, before, "from-" + c.index())
                  >= PAIR_BYTES;
          boolean reached =
              since(now, before, "synack-to-" + c.index())
                      + since(now, before, "synack-from-" + c.index())
                      + since(now, before, "utpstate-to-" + c.index())
                      + since(now, before, "utpstate-from-" + c.index())
                  > 0;
          if (!reached) {
            p.apart.add(a.index() + "-" + c.index());
          }
          if (a.nat() == Nat.SYMMETRIC || c.nat() == Nat.SYMMETRIC) {
            p.symmetricPairs++;
            p.symmetricConnected += exchanged ? 1 : 0;
            p.symmetricReached += reached ? 1 : 0;
          } else {
            p.conePairs++;
            p.coneConnected += exchanged ? 1 : 0;
            p.coneReached += reached ? 1 : 0;
          }
        }
      }
      if (second != null) {
        LabAgent b = second.get();
        agents.add(b);
        Home lan = b.home();
        long before = lan.lanBytes(0, 1);
        JsonNode done = b.awaitInstall(b.install(product, "live"), PHASE);
        p.lanBytes = lan.lanBytes(0, 1) - before;
        long total = done.get("bytesTotal").asLong();
        p.lanShare =
            done.get("state").asString().equals("COMPLETED") && total > 0
                ? Math.min(1.0, (double) p.lanBytes / total)
                : 0;
      }
      System.out.printf(
          "phase %s: exchanged cone %d/%d symmetric %d/%d; connected cone %d/%d symmetric %d/%d;"
              + " offload %.3f max %.1f s failed %d; never connected: %s%n",
          name,
          p.coneConnected,
          p.conePairs,
          p.symmetricConnected,
          p.symmetricPairs,
          p.coneReached,
          p.conePairs,
          p.symmetricReached,
          p.symmetricPairs,
          p.offload(),
          p.max(),
          p.failed,
          p.apart.isEmpty() ? "none" : String.join(" ", p.apart));
      return p;
    } finally {
      for (LabAgent a : agents) {
        a.close();
      }
      pool.shutdownNow();
    }
  }

  /** A counter's growth since {@code before} (the counters run on across phases). */
  private static long since(Map<String, Long> now, Map<String, Long> before, String key) {
    return now.getOrDefault(key, 0L) - before.getOrDefault(key, 0L);
  }

  private static LabAgent ready(Publisher studio, String product, LabAgent agent) {
    studio.entitle(product, agent.deviceId());
    agent.grant("upload");
    agent.grant("download");
    return agent;
  }

  private record Ended(JsonNode status, double seconds) {}

  private static void tally(Phase p, Ended ended) {
    JsonNode done = ended.status();
    if (!done.get("state").asString().equals("COMPLETED")) {
      p.failed++;
      return;
    }
    p.seconds.add(ended.seconds());
    p.fromPeers += done.get("bytesFromPeers").asLong();
    p.fromOrigin += done.get("bytesFromOrigin").asLong();
  }

  /**
   * Which traversal flags this build's agent knows ({@code shoal-agent run --help}): "known" or
   * "absent". An absent flag is not passed, and the phases run what exists.
   */
  private static Map<String, String> knownFlags() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "dev.shoal.agent.cli.ShoalAgent",
            "run",
            "--help"));
    // picocli prints the usage (with every option) to stderr: "run" has no --help of its own.
    Shell.Result r = Shell.run(cmd);
    String help = r.out() + r.err();
    if (!help.contains("--control-plane")) {
      throw new IllegalStateException("no usage from shoal-agent run: " + help);
    }
    Map<String, String> known = new LinkedHashMap<>();
    for (String flag : List.of("port-mapping", "hole-punch")) {
      known.put(flag, help.contains("--" + flag) ? "known" : "absent");
    }
    return known;
  }

  private static List<String> args(Map<String, String> flags, String mapping, String punch) {
    List<String> a = new ArrayList<>();
    if (flags.get("port-mapping").equals("known")) {
      a.add("--port-mapping=" + mapping);
    }
    if (flags.get("hole-punch").equals("known")) {
      a.add("--hole-punch=" + punch);
    }
    if (!AGENT_ARGS.isEmpty()) {
      a.addAll(List.of(AGENT_ARGS.split("\\s+")));
    }
    return a;
  }

  private static String load() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + "/" + f[1] + "/" + f[2];
    } catch (java.io.IOException e) {
      return "?";
    }
  }
}
