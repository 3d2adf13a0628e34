package dev.shoal.testkit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.testkit.AgentDevices;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tracker throughput: wrk ({@code testkit/bench/announce.lua}) sends valid announces with a real
 * enrolled device's passkey, for the info hash of a really published pack, from a swarm of 1000
 * random peer ids, to our control plane's tracker (in this JVM: Tomcat, passkey lookup, entitlement
 * check, swarm selection), then the same announces to Debian's opentracker (closed mode: the info
 * hash whitelisted) on a free loopback port. Each gets a 5 s warm-up, then 20 s measured with 2
 * threads and 50 connections. Client and servers share the machine's cores. Installs wrk and
 * opentracker (scripts/install-bench-deps.sh) when missing. Prints {@code key=value} figures on its
 * last line.
 */
@Tag("benchmark")
class TrackerBenchmark {
  private static final int SECONDS = Integer.getInteger("bench.tracker.seconds", 20);
  private static final int WARM_UP_SECONDS = 5;
  static final int THREADS = 2;
  static final int CONNECTIONS = 50;
  private static final int PEERS = Integer.getInteger("bench.tracker.peers", 1000);
  private static final Path SCRIPT = Path.of("bench", "announce.lua").toAbsolutePath();
  private static final Path PACED = Path.of("bench", "paced.lua").toAbsolutePath();

  @TempDir Path temp;
  private static final HttpClient http = HttpClient.newHttpClient();

  /** One wrk run's figures, from the script's "WRK key=value" line. */
  record Wrk(Map<String, Long> f) {
    double rps() {
      return f.get("requests") / (f.get("duration_us") / 1e6);
    }

    double p99Millis() {
      return f.get("p99_us") / 1000.0;
    }

    long errors() {
      return f.get("err_connect")
          + f.get("err_read")
          + f.get("err_write")
          + f.get("err_status")
          + f.get("err_timeout");
    }
  }

  @Test
  void announcesPerSecondOfOurTrackerAndOfOpentracker() throws Exception {
    installDependencies();
    Path build = temp.resolve("build");
    GameBuilds.randomFile(build, "data/game.pak", 8L * GameBuilds.MIB, 7);

    Wrk ours;
    long oursCpuNanos;
    long theirsCpuNanos;
    double okAnnounces;
    double refused;
    String infoHash;
    try (ControlPlaneFixture cp = new ControlPlaneFixture().start()) {
      Publisher publisher = cp.publisher().product("game", "live");
      String upload = publisher.upload("game", build);
      String release = publisher.requestRelease("game", "live", upload, "1.0");
      publisher.awaitReady(release, Duration.ofMinutes(5), Duration.ofMillis(200), new HashMap<>());
      publisher.publish(release, 100);
      Device device = AgentDevices.create(cp.baseUrl(), temp.resolve("device"));
      device.enrol(cp.organisation().slug()).assertSuccess();
      publisher
          .api()
          .post("/api/v1/products/game/entitlements", Map.of("deviceId", device.deviceId()))
          .assertSuccess();
      byte[] envelope =
          publisher
              .api()
              .get("/api/v1/releases/" + release + "/manifest")
              .assertSuccess()
              .body()
              .getBytes(StandardCharsets.UTF_8);
      ReleaseManifest manifest = ManifestCodec.parse(SignedEnvelope.parse(envelope).payload());
      infoHash = manifest.fullPack().infoHash();

      String path = "/" + device.passkey() + "/announce";
      String base = "http://127.0.0.1:" + cp.port();
      assertAnswersPeers(base + path, infoHash);
      wrk(base, path, infoHash, WARM_UP_SECONDS);
      Map<String, Double> before = announceCounts(cp.baseUrl());
      long cpu0 = cpuNanos(ProcessHandle.current());
      ours = wrk(base, path, infoHash, SECONDS);
      oursCpuNanos = cpuNanos(ProcessHandle.current()) - cpu0;
      Map<String, Double> after = announceCounts(cp.baseUrl());
      okAnnounces = after.getOrDefault("ok", 0.0) - before.getOrDefault("ok", 0.0);
      refused =
          after.values().stream().mapToDouble(Double::doubleValue).sum()
              - before.values().stream().mapToDouble(Double::doubleValue).sum()
              - okAnnounces;
      assertAnswersPeers(base + path, infoHash);
    }
    String loadOurs = Bench.load();

    Wrk theirs;
    Process opentracker = null;
    Path dir = Files.createTempDirectory("shoal-opentracker");
    try {
      int port = freeTcpPort();
      opentracker = startOpentracker(dir, infoHash, port);
      String base = "http://127.0.0.1:" + port;
      assertAnswersPeers(base + "/announce", infoHash);
      wrk(base, "/announce", infoHash, WARM_UP_SECONDS);
      long cpu0 = cpuNanos(opentracker.toHandle());
      theirs = wrk(base, "/announce", infoHash, SECONDS);
      theirsCpuNanos = cpuNanos(opentracker.toHandle()) - cpu0;
      assertAnswersPeers(base + "/announce", infoHash);
    } finally {
      if (opentracker != null) {
        opentracker.destroy();
        if (!opentracker.waitFor(5, TimeUnit.SECONDS)) {
          opentracker.destroyForcibly();
        }
      }
      deleteTree(dir);
    }
    String loadTheirs = Bench.load();

    System.out.printf(
        Locale.ROOT,
        "TrackerBenchmark: ours %s (ok announces counted by the tracker: %.0f, refused: %.0f),"
            + " load after %s; opentracker %s, load after %s%n",
        ours.f(),
        okAnnounces,
        refused,
        loadOurs,
        theirs.f(),
        loadTheirs);
    System.out.printf(
        Locale.ROOT,
        "seconds=%d threads=%d connections=%d peers=%d ours_rps=%.0f ours_p99_ms=%.2f"
            + " ours_errors=%d ours_ok_announces=%.0f ours_refused=%.0f opentracker_rps=%.0f"
            + " opentracker_p99_ms=%.2f opentracker_errors=%d ratio_rps=%.3f ratio_p99=%.2f"
            + " ours_cpu_us_per_announce=%.0f opentracker_cpu_us_per_announce=%.1f"
            + " ratio_cpu_per_announce=%.1f load1=%s%n",
        SECONDS,
        THREADS,
        CONNECTIONS,
        PEERS,
        ours.rps(),
        ours.p99Millis(),
        ours.errors(),
        okAnnounces,
        refused,
        theirs.rps(),
        theirs.p99Millis(),
        theirs.errors(),
        ours.rps() / theirs.rps(),
        ours.p99Millis() / theirs.p99Millis(),
        oursCpuNanos / 1e3 / ours.f().get("requests"),
        theirsCpuNanos / 1e3 / theirs.f().get("requests"),
        ((double) oursCpuNanos / ours.f().get("requests"))
            / ((double) theirsCpuNanos / theirs.f().get("requests")),
        Bench.load1());
  }

  /** One announce by hand: the answer must be a peer list, not a failure reason. */
  static void assertAnswersPeers(String announceUrl, String infoHash) throws Exception {
    String query =
        "?info_hash=%s&peer_id=-SB0001-checkcheck00&port=9999&uploaded=0&downloaded=0&left=1"
            + "&compact=1&numwant=50";
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(announceUrl + String.format(query, urlEncodeHex(infoHash))))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    String body = new String(r.body(), StandardCharsets.ISO_8859_1);
    assertThat(r.statusCode()).as(body).isEqualTo(200);
    assertThat(body).as(announceUrl).contains("5:peers").doesNotContain("failure reason");
  }

  private Wrk wrk(String base, String path, String infoHash, int seconds) throws Exception {
    return wrk(base, path, infoHash, seconds, PEERS, List.of());
  }

  /** A wrk run of announce.lua; {@code extra}: its optional passkey file and "walk". */
  static Wrk wrk(
      String base, String path, String infoHash, int seconds, int peers, List<String> extra)
      throws Exception {
    return wrk(
        List.of("-c" + CONNECTIONS, "-s", SCRIPT.toString()),
        base,
        seconds,
        announces(path, infoHash, peers, extra));
  }

  /**
   * A wrk run at a steady rate, open loop (paced.lua: announce.lua's requests on a schedule of send
   * times that answers do not slow down), with enough connections that a quarter of a second of
   * latency still leaves one free for each slot.
   */
  static Wrk pacedWrk(
      String base,
      String path,
      String infoHash,
      int seconds,
      int peers,
      double perSecond,
      List<String> extra)
      throws Exception {
    int connections = (int) Math.max(THREADS * 4, Math.round(perSecond * 0.25));
    List<String> args =
        new ArrayList<>(
            List.of(String.format(Locale.ROOT, "%.3f", perSecond), Integer.toString(THREADS)));
    args.addAll(announces(path, infoHash, peers, extra));
    return wrk(List.of("-c" + connections, "-s", PACED.toString()), base, seconds, args);
  }

  private static List<String> announces(
      String path, String infoHash, int peers, List<String> extra) {
    List<String> args =
        new ArrayList<>(List.of(path, urlEncodeHex(infoHash), Integer.toString(peers), "42"));
    args.addAll(extra);
    return args;
  }

  private static Wrk wrk(List<String> options, String base, int seconds, List<String> scriptArgs)
      throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("wrk", "-t" + THREADS, "-d" + seconds + "s", "--latency"));
    cmd.addAll(options);
    cmd.add(base);
    cmd.add("--");
    cmd.addAll(scriptArgs);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    System.out.println(String.join(" ", cmd) + "\n" + out);
    String line =
        out.lines()
            .filter(l -> l.startsWith("WRK "))
            .reduce((a, b) -> b)
            .orElseThrow(() -> new AssertionError("no WRK line in: " + out));
    Map<String, Long> f = new HashMap<>();
    for (String kv : line.substring(4).trim().split(" ")) {
      String[] p2 = kv.split("=", 2);
      f.put(p2[0], Long.parseLong(p2[1]));
    }
    return new Wrk(f);
  }

  /** shoal_tracker_announces_total by result. */
  static Map<String, Double> announceCounts(String baseUrl) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(baseUrl + "/actuator/prometheus"))
                .header("Accept", "text/plain")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Map<String, Double> counts = new HashMap<>();
    r.body()
        .lines()
        .filter(l -> l.startsWith("shoal_tracker_announces_total{"))
        .forEach(
            l -> {
              String result = l.replaceAll(".*result=\"([^\"]*)\".*", "$1");
              counts.merge(
                  result, Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)), Double::sum);
            });
    return counts;
  }

  static String urlEncodeHex(String hex) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < hex.length(); i += 2) {
      s.append('%').append(hex, i, i + 2);
    }
    return s.toString();
  }

  /**
   * Debian's opentracker is built closed (whitelist): the info hash goes in its whitelist. It
   * chroots into {@code dir} and drops to "nobody", so the files must be world-readable.
   */
  static Process startOpentracker(Path dir, String infoHash, int port) throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path whitelist = Files.writeString(dir.resolve("whitelist.txt"), infoHash + "\n");
    Path conf =
        Files.writeString(
            dir.resolve("opentracker.conf"),
            "access.whitelist /whitelist.txt\ntracker.rootdir " + dir + "\n");
    for (Path f : List.of(whitelist, conf)) {
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    }
    int udp;
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      udp = s.getLocalPort();
    }
    List<String> cmd = new ArrayList<>();
    cmd.addAll(
        List.of(
            "opentracker",
            "-f",
            conf.toString(),
            "-i",
            "127.0.0.1",
            "-p",
            Integer.toString(port),
            "-P",
            Integer.toString(udp)));
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolveSibling(dir.getFileName() + ".log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return p;
      } catch (IOException e) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          p.destroyForcibly();
          throw new AssertionError("opentracker did not start: " + String.join(" ", cmd), e);
        }
        Thread.sleep(100);
      }
    }
  }

  /**
   * CPU time of a process and of its live descendants, wrk excepted: for ours this JVM (Tomcat, the
   * tracker) and its embedded PostgreSQL. Less sensitive than announces per second to the other
   * work on the machine, which takes cores but not CPU time from the process measured.
   */
  static long cpuNanos(ProcessHandle process) {
    long nanos = process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    for (ProcessHandle p : process.descendants().toList()) {
      if (!p.info().command().orElse("").endsWith("/wrk")) {
        nanos += p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
      }
    }
    return nanos;
  }

  static int freeTcpPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static void installDependencies() throws Exception {
    if (onPath("wrk") && onPath("opentracker")) {
      return;
    }
    Process p =
        new ProcessBuilder("bash", Path.of("..", "scripts", "install-bench-deps.sh").toString())
            .inheritIO()
            .start();
    assertThat(p.waitFor()).as("scripts/install-bench-deps.sh").isZero();
  }

  private static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
    Files.deleteIfExists(dir.resolveSibling(dir.getFileName() + ".log"));
  }
}
