package dev.shoal.testkit.lab;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code testkit/lab/run.sh background}: what seeding from a home does to the rest of that home's
 * traffic. One home (open, no NAT: NAT is not what this measures) whose uplink is shaped by tbf at
 * {@code lab.uplink-kbit} with a queue of {@code lab.queue-ms} at that rate (300 ms: a
 * bufferbloated home router). Player 0 seeds; player 1 is the rest of the home: a foreground TCP
 * upload (iperf3 to the cloud) and the delay probe (a 32-byte UDP datagram every 50 ms to an echo
 * server in the cloud, all run long). In the cloud, {@code lab.leechers} libtorrent leechers pull
 * from the seeder only (no tracker, no PEX between them), each starting again when it completes, so
 * the seeder's uplink is always the bottleneck.
 *
 * <p>Phases: the probe on the idle link (its median is the baseline); the foreground alone; then
 * per seeder, after a warm-up, the seeder alone (its upload over the link's rate: {@code
 * idle_link_use_*}; the probe's 95th percentile over the idle median: {@code delay_ms_*}), then the
 * foreground again while it seeds ({@code foreground_kept_*}: over the mean of the foreground alone
 * at the start and at the end). The delay is taken with the seeder alone because a bulk TCP
 * foreground fills the 300 ms queue by itself ({@code delay_ms_fg_solo}); {@code delay_fg_ms_*} is
 * the delay with both. Seeders: our agent over TCP with no upload cap ({@code tcp}); libtorrent
 * 2.0.8 over uTP only, LEDBAT, the anchor ({@code lt}); our agent over uTP ({@code utp}), only when
 * {@code -Dlab.utp-args} (default {@code --utp=on}) gives the agent's arguments for it; empty: not
 * run, {@code na}. The lab has no propagation delay or loss (no netem): the only delay is the
 * shaped queue's.
 */
@Tag("benchmark")
class BackgroundLabBenchmark {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Path SCRIPT = Path.of("lab/background.py").toAbsolutePath();

  /** Debian's, with python3-libtorrent (another python3 may come first on the PATH). */
  private static final String PYTHON = "/usr/bin/python3";

  private static final int UPLINK_KBIT = Integer.getInteger("lab.uplink-kbit", 8_000);
  private static final int QUEUE_MS = Integer.getInteger("lab.queue-ms", 300);
  private static final int PHASE_S = Integer.getInteger("lab.phase", 20);
  private static final int WARMUP_S = Integer.getInteger("lab.warmup", 8);
  private static final int LEECHERS = Integer.getInteger("lab.leechers", 4);
  private static final int MIB = Integer.getInteger("lab.mib", 16);

  /**
   * The home's TCP congestion control (its namespaces' default, which the agent's sockets and
   * iperf3 use). Homes run loss-based TCP (CUBIC on Windows, macOS and Linux), which fills a
   * bloated queue; this machine's default is BBR, which at the lab's near-zero propagation delay
   * does not (the foreground alone added 32 ms in the first run), and a namespace may only default
   * to what {@code net.ipv4.tcp_allowed_congestion_control} lists (reno bbr here, not cubic). Reno
   * is loss-based like CUBIC, which with so small a delay stays in its Reno-like region.
   */
  private static final String TCP_CC = System.getProperty("lab.tcp-cc", "reno");

  /**
   * {@code shoal-agent run} arguments that make our agent seed over uTP (its leechers then speak
   * uTP only); empty: the phase is not run and prints {@code na}.
   */
  private static final Optional<List<String>> UTP_AGENT_ARGS =
      Optional.of(System.getProperty("lab.utp-args", "--utp=on"))
          .map(s -> Arrays.stream(s.trim().split("\\s+")).filter(a -> !a.isEmpty()).toList())
          .filter(args -> !args.isEmpty());

  private static final int IPERF_PORT = 5201;
  private static final int ECHO_PORT = 7001;
  private static final int LT_SEED_PORT = 6890;
  private static final int LEECH_BASE_PORT = 6900;
  private static final int PROBE_INTERVAL_MS = 50;

  /** Below this share of the link, a seeder did not seed, and its phase measures nothing. */
  private static final double MIN_LINK_USE = 0.25;

  /** A span of the run, in ms since the epoch (the probe's clock). */
  private record Span(double from, double to) {}

  /** The foreground's throughput over a span. */
  private record Foreground(double bitsPerSecond, Span span) {}

  /** One seeder: its upload alone over the link's rate, and the foreground while it seeds. */
  private record Seeding(double linkUse, Span alone, Foreground withForeground, long copies) {}

  @Test
  void background() throws Exception {
    Lab.assumeAvailable();
    Assumptions.assumeTrue(Files.exists(SCRIPT), "needs testkit/lab/background.py");
    Assumptions.assumeTrue(
        new ProcessBuilder(PYTHON, "-c", "import libtorrent").start().waitFor() == 0,
        "needs python3-libtorrent");
    Map<String, Object> out = new LinkedHashMap<>();
    long begin = System.nanoTime();
    try (Lab lab =
        Lab.builder()
            .homes(1)
            .nat(0, Nat.NONE)
            .players(0, 2)
            .uplinkKbit(UPLINK_KBIT)
            .uplinkQueueMs(QUEUE_MS)
            .timeout(Duration.ofMinutes(15))
            .build()) {
      Home home = lab.home(0);
      for (int p = 0; p < home.players(); p++) {
        home.exec(p, "sysctl", "-qw", "net.ipv4.tcp_congestion_control=" + TCP_CC);
      }
      String cloud = lab.cloudNamespace();
      lab.startProcess(
          Shell.in(cloud, List.of("iperf3", "-s", "-p", String.valueOf(IPERF_PORT))),
          lab.runDir().resolve("iperf3-server.log"));
      lab.startProcess(
          Shell.in(cloud, List.of(PYTHON, SCRIPT.toString(), "echo", String.valueOf(ECHO_PORT))),
          lab.runDir().resolve("echo.log"));
      lab.awaitListening(cloud, IPERF_PORT, Duration.ofSeconds(10));
      Path probe = lab.runDir().resolve("probe.log");
      lab.startProcess(
          Shell.in(
              home.hostNamespace(1),
              List.of(
                  PYTHON,
                  SCRIPT.toString(),
                  "ping",
                  Lab.CLOUD,
                  String.valueOf(ECHO_PORT),
                  String.valueOf(PROBE_INTERVAL_MS),
                  "1800")),
          probe);
      Lab.sleep(2_000);
      double idleFrom = now();
      Lab.sleep(10_000);
      Span idle = new Span(idleFrom, now());

      Foreground solo = foreground(lab, home, "solo");

      Publisher studio = lab.controlPlane().publisher().product("game", "live");
      studio.publish("game", "live", GameBuilds.build(29, MIB * GameBuilds.MIB), "1.0");
      Path packDir = lab.runDir().resolve("pack");
      Seeding tcp = agentPhase(lab, studio, List.of("--utp=off"), "tcp", packDir);
      Seeding lt = libtorrentPhase(lab, packDir);
      Optional<Seeding> utp = Optional.empty();
      if (UTP_AGENT_ARGS.isPresent()) {
        utp = Optional.of(agentPhase(lab, studio, UTP_AGENT_ARGS.get(), "utp", packDir));
      }
      Foreground soloEnd = foreground(lab, home, "solo-end");

      Lab.sleep(3_500); // the probe calls a datagram lost 3 s after it was sent
      DelayProbe.Window idleWindow = window(probe, idle);
      describe(probe, "idle", idle);
      describe(probe, "foreground solo", solo.span());
      describe(probe, "tcp alone", tcp.alone());
      describe(probe, "tcp + foreground", tcp.withForeground().span());
      describe(probe, "lt alone", lt.alone());
      describe(probe, "lt + foreground", lt.withForeground().span());
      utp.ifPresent(
          u -> {
            describe(probe, "utp alone", u.alone());
            describe(probe, "utp + foreground", u.withForeground().span());
          });
      describe(probe, "foreground solo at the end", soloEnd.span());
      double soloBps = (solo.bitsPerSecond() + soloEnd.bitsPerSecond()) / 2;
      Map<String, Optional<Seeding>> seeders = new LinkedHashMap<>();
      seeders.put("utp", utp);
      seeders.put("tcp", Optional.of(tcp));
      seeders.put("lt", Optional.of(lt));
      seeders.forEach(
          (k, s) ->
              out.put(
                  "foreground_kept_" + k,
                  s.map(x -> x.withForeground().bitsPerSecond() / soloBps).orElse(null)));
      seeders.forEach(
          (k, s) ->
              out.put(
                  "delay_ms_" + k,
                  s.map(x -> window(probe, x.alone()).addedDelayP95(idleWindow)).orElse(null)));
      seeders.forEach(
          (k, s) -> out.put("idle_link_use_" + k, s.map(Seeding::linkUse).orElse(null)));
      seeders.forEach(
          (k, s) ->
              out.put(
                  "delay_fg_ms_" + k,
                  s.map(x -> window(probe, x.withForeground().span()).addedDelayP95(idleWindow))
                      .orElse(null)));
      seeders.forEach(
          (k, s) ->
              out.put("probe_loss_" + k, s.map(x -> window(probe, x.alone()).loss()).orElse(null)));
      seeders.forEach((k, s) -> out.put("copies_" + k, s.map(Seeding::copies).orElse(null)));
      out.put("fg_solo_mbit", solo.bitsPerSecond() / 1e6);
      out.put("fg_solo_end_mbit", soloEnd.bitsPerSecond() / 1e6);
      out.put("delay_ms_fg_solo", window(probe, solo.span()).addedDelayP95(idleWindow));
      out.put("delay_ms_idle", idleWindow.addedDelayP95(idleWindow));
      out.put("idle_rtt_ms", idleWindow.median());
      out.put("probe_loss_idle", idleWindow.loss());
    }
    out.put("uplink_kbit", UPLINK_KBIT);
    out.put("queue_ms", QUEUE_MS);
    out.put("tcp_cc", TCP_CC);
    out.put("leechers", LEECHERS);
    out.put("phase_s", PHASE_S);
    out.put("seconds", (System.nanoTime() - begin) / 1_000_000_000);
    out.put("load", load());
    StringBuilder line = new StringBuilder();
    out.forEach(
        (k, v) ->
            line.append(k)
                .append('=')
                .append(
                    v == null
                        ? "na"
                        : v instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : v)
                .append(' '));
    System.out.println(line.toString().strip());
  }

  /**
   * Our agent seeding: a fresh agent in player 0 with no upload cap installs the pack (from the
   * origin), then the leechers pull from it over {@code transport}. Keeps a copy of the pack's
   * torrent in {@code packDir} (and the path of its data) for libtorrent's phase.
   */
  private static Seeding agentPhase(
      Lab lab, Publisher studio, List<String> agentArgs, String transport, Path packDir)
      throws IOException {
    Home home = lab.home(0);
    try (LabAgent agent = home.startAgent(0, agentArgs)) {
      studio.entitle("game", agent.deviceId());
      agent.grant("upload");
      agent.grant("download");
      // "No fixed cap": the agent's default is 1 MB/s, the link's whole rate here.
      ObjectNode limits = (ObjectNode) agent.call("GET", "/v1/limits", null);
      limits.put("uploadCapBytesPerSecond", 0);
      agent.call("PUT", "/v1/limits", limits);
      JsonNode done = agent.awaitInstall(agent.install("game", "live"), Duration.ofMinutes(3));
      if (!done.get("state").asString().equals("COMPLETED")) {
        throw new LabException("the seeder's install did not complete: " + done);
      }
      int port = agent.status().get("rates").get("listenPort").asInt();
      if (port <= 0) {
        throw new LabException("the agent does not listen (upload consent?): " + agent.status());
      }
      keepPack(agent, packDir);
      Seeding s =
          seed(
              lab,
              transport,
              transport,
              home.lanAddress(0) + ":" + port,
              packDir.resolve("pack.torrent"));
      System.out.println(transport + ": agent status at the end " + agent.status().get("rates"));
      return s;
    }
  }

  /** libtorrent seeding the same pack over uTP only, from player 0. */
  private static Seeding libtorrentPhase(Lab lab, Path packDir) throws IOException {
    Home home = lab.home(0);
    Path log = lab.runDir().resolve("lt-seed.log");
    Process seeder =
        lab.startProcess(
            Shell.in(
                home.hostNamespace(0),
                List.of(
                    PYTHON,
                    SCRIPT.toString(),
                    "seed",
                    packDir.resolve("pack.torrent").toString(),
                    Files.readString(packDir.resolve("data-path")).strip(),
                    String.valueOf(LT_SEED_PORT),
                    "utp")),
            log);
    try {
      awaitLine(seeder, log, "READY", Duration.ofSeconds(60));
      return seed(
          lab,
          "lt",
          "utp",
          home.lanAddress(0) + ":" + LT_SEED_PORT,
          packDir.resolve("pack.torrent"));
    } finally {
      Processes.stop(seeder, Duration.ofSeconds(5));
    }
  }

  /**
   * With the seeder at {@code seederEndpoint} running: starts the leechers, waits the warm-up,
   * measures the seeder alone, then the foreground; stops the leechers.
   */
  private static Seeding seed(
      Lab lab, String name, String transport, String seederEndpoint, Path torrent) {
    Home home = lab.home(0);
    Path log = lab.runDir().resolve("leech-" + name + ".log");
    Process leechers =
        lab.startProcess(
            Shell.in(
                lab.cloudNamespace(),
                List.of(
                    PYTHON,
                    SCRIPT.toString(),
                    "leech",
                    torrent.toString(),
                    lab.runDir().resolve("leech-" + name).toString(),
                    seederEndpoint,
                    String.valueOf(LEECHERS),
                    String.valueOf(LEECH_BASE_PORT),
                    transport)),
            log);
    try {
      Lab.sleep(WARMUP_S * 1000L);
      long tx0 = home.interfaceBytes("wan")[0];
      double from = now();
      Lab.sleep(PHASE_S * 1000L);
      long tx1 = home.interfaceBytes("wan")[0];
      double to = now();
      if (!leechers.isAlive()) {
        throw new LabException("the leechers exited: " + Lab.tail(log));
      }
      // tbf's rate counts what the veth sends (Ethernet frames), as the interface's counter does.
      double linkUse = (tx1 - tx0) / ((to - from) / 1000) / (UPLINK_KBIT * 1000 / 8.0);
      if (linkUse < MIN_LINK_USE) {
        // A seeder its leechers cannot reach (an agent without uTP, say) leaves the foreground
        // alone and the queue empty: "kept 1.0, no delay" would read as a pass.
        throw new LabException(
            String.format(
                Locale.ROOT,
                "%s: the seeder alone used %.3f of the link (< %.2f): its %s leechers did not get"
                    + " pieces from %s; their output: %s",
                name,
                linkUse,
                MIN_LINK_USE,
                transport,
                seederEndpoint,
                Lab.tail(log)));
      }
      Foreground fg = foreground(lab, home, name);
      long copies;
      try (Stream<String> lines = Files.lines(log)) {
        copies = lines.filter(l -> l.startsWith("DONE ")).count();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      System.out.printf(
          Locale.ROOT,
          "%s (%s) from %s: seeder alone %.3f of the link; foreground %.2f Mbit/s; %d copies%n",
          name,
          transport,
          seederEndpoint,
          linkUse,
          fg.bitsPerSecond() / 1e6,
          copies);
      return new Seeding(linkUse, new Span(from, to), fg, copies);
    } finally {
      Processes.stop(leechers, Duration.ofSeconds(5));
    }
  }

  /**
   * iperf3 from player 1 to the cloud for the phase's length (plus 2 s of slow start it leaves
   * out); its received throughput, and the span the probe is read over.
   */
  private static Foreground foreground(Lab lab, Home home, String name) {
    Path log = lab.runDir().resolve("iperf3-" + name + ".json");
    double start = now();
    Process p =
        lab.startProcess(
            Shell.in(
                home.hostNamespace(1),
                List.of(
                    "iperf3",
                    "-c",
                    Lab.CLOUD,
                    "-p",
                    String.valueOf(IPERF_PORT),
                    "-t",
                    String.valueOf(PHASE_S),
                    "-O",
                    "2",
                    "-J")),
            log);
    try {
      if (!p.waitFor(PHASE_S + 30L, TimeUnit.SECONDS)) {
        Processes.stop(p, Duration.ofSeconds(2));
        throw new LabException("iperf3 (" + name + ") did not end in time");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LabException("interrupted");
    }
    double end = now();
    JsonNode result;
    try {
      result = JSON.readTree(Files.readString(log));
    } catch (IOException | RuntimeException e) {
      throw new LabException("iperf3 (" + name + "): " + Lab.tail(log));
    }
    JsonNode received = result.path("end").path("sum_received").path("bits_per_second");
    if (p.exitValue() != 0 || !received.isNumber()) {
      throw new LabException("iperf3 (" + name + ") failed: " + Lab.tail(log));
    }
    System.out.printf(Locale.ROOT, "foreground %s: %.2f Mbit/s%n", name, received.asDouble() / 1e6);
    return new Foreground(received.asDouble(), new Span(start + 2_500, end));
  }

  /**
   * The pack's torrent (tracker and all; the scripts drop it) and where the agent keeps its data.
   */
  private static void keepPack(LabAgent agent, Path packDir) throws IOException {
    if (Files.exists(packDir.resolve("pack.torrent"))) {
      return;
    }
    Path meta;
    try (Stream<Path> s = Files.list(agent.dataDir().resolve("state/packs"))) {
      meta = s.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
    }
    JsonNode pack = JSON.readTree(Files.readString(meta));
    Files.createDirectories(packDir);
    Files.write(
        packDir.resolve("pack.torrent"),
        Base64.getDecoder().decode(pack.get("torrent").asString()));
    // Read by libtorrent after this agent has stopped: the run directory outlives it.
    Path data = agent.dataDir().resolve("cache").resolve(pack.get("fileName").asString());
    Files.writeString(packDir.resolve("data-path"), data.toString());
  }

  private static void awaitLine(Process p, Path log, String prefix, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      if (!p.isAlive()) {
        throw new LabException("exited before " + prefix + ": " + Lab.tail(log));
      }
      try (Stream<String> lines = Files.lines(log)) {
        if (lines.anyMatch(l -> l.startsWith(prefix))) {
          return;
        }
      } catch (IOException e) {
        // not written yet
      }
      Lab.sleep(200);
    }
    throw new LabException("no " + prefix + " after " + timeout + ": " + Lab.tail(log));
  }

  /**
   * The probe's round trips over a span, for the output (the last line has the figures), with the
   * median of every 2 s: how the queue moved (a LEDBAT flow that came late, for instance, takes the
   * queue it found for its base delay and settles a target above it).
   */
  private static void describe(Path probe, String name, Span span) {
    DelayProbe.Window w = window(probe, span);
    StringBuilder series = new StringBuilder();
    for (double t = span.from(); t < span.to(); t += 2_000) {
      double median = window(probe, new Span(t, Math.min(span.to(), t + 2_000))).median();
      series.append(String.format(Locale.ROOT, " %.0f", median));
    }
    System.out.printf(
        Locale.ROOT,
        "probe %s: %d answered, loss %.3f; rtt ms p50 %.1f p90 %.1f p95 %.1f p99 %.1f max %.1f;"
            + " p50 per 2 s:%s%n",
        name,
        w.rttMs().size(),
        w.loss(),
        w.median(),
        w.percentile(0.90),
        w.percentile(0.95),
        w.percentile(0.99),
        w.percentile(1.0),
        series);
  }

  private static DelayProbe.Window window(Path probe, Span span) {
    return DelayProbe.window(probe, span.from(), span.to());
  }

  private static double now() {
    return System.currentTimeMillis();
  }

  private static String load() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + "/" + f[1] + "/" + f[2];
    } catch (IOException e) {
      return "?";
    }
  }
}
