package dev.shoal.testkit.lab;

import dev.shoal.agent.localapi.LocalApiFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * An internet on one machine, built from network namespaces:
 *
 * <ul>
 *   <li>{@code inet}: a bridge, the internet (198.51.100.0/24, TEST-NET-2); this JVM's own
 *       namespace is on it too (198.51.100.254), to drive the control plane's API;
 *   <li>{@code cloud} (198.51.100.1): the control plane as its own process on its embedded
 *       PostgreSQL, behind nginx for TLS (agents accept https only, or http on loopback);
 *   <li>per home {@code rN} (WAN 198.51.100.(11+N), LAN 192.168.(N+1).1/24): NAT with nftables,
 *       upload shaped on the WAN side, download on the LAN side, optionally miniupnpd;
 *   <li>per player {@code hNpP} (192.168.(N+1).(10+P)): where its agent runs.
 * </ul>
 *
 * <p>Every namespace is named {@code shoallab-<pid>-<n>-...}: {@link #close()} (also run by a
 * shutdown hook and by the deadline) removes them, their veths and nft tables with them, and every
 * process started in them; a later lab removes the leftovers of a run whose JVM is gone. No address
 * outside the lab is ever a target: only the lab's namespaces have routes to its networks.
 *
 * <pre>{@code
 * Lab.assumeAvailable();
 * try (Lab lab = Lab.builder().homes(6).nat(5, Nat.SYMMETRIC).miniupnpd(0, 1).players(2, 2).build()) {
 *   LabAgent a = lab.home(0).startAgent(0, List.of());
 *   ...
 * }
 * }</pre>
 */
public final class Lab implements AutoCloseable {
  static final String PREFIX = "shoallab-";

  /** The cloud's address: the control plane, its origin and origin seeder. */
  public static final String CLOUD = "198.51.100.1";

  static final String ROOT_ADDRESS = "198.51.100.254";
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static final AtomicInteger AGENTS = new AtomicInteger();
  private static volatile Optional<String> unavailable;

  private final String id;
  private final int sequence;
  private final Path runDir;
  private final Builder config;
  private final List<Home> homes = new ArrayList<>();
  private final List<String> namespaces = new CopyOnWriteArrayList<>();
  private final List<Process> processes = new CopyOnWriteArrayList<>();
  private final MachineLock lock;
  private final Thread hook;
  private final Thread deadline;
  private volatile boolean closed;
  private volatile boolean timedOut;
  private LabControlPlane controlPlane;

  private Lab(Builder config, MachineLock lock) {
    this.config = config;
    this.lock = lock;
    this.sequence = SEQUENCE.incrementAndGet();
    this.id = PREFIX + ProcessHandle.current().pid() + "-" + sequence;
    try {
      this.runDir = Files.createTempDirectory(id);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.hook = new Thread(this::close, id + "-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    this.deadline =
        new Thread(
            () -> {
              try {
                Thread.sleep(config.timeout.toMillis());
                timedOut = true;
                System.err.println(id + ": ran out of its " + config.timeout + ", tearing down");
                close();
              } catch (InterruptedException e) {
                // closed in time
              }
            },
            id + "-deadline");
    deadline.setDaemon(true);
    deadline.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Why the lab cannot run here (not root, network namespaces or nftables not allowed, a tool
   * missing), or empty when it can.
   */
  public static synchronized Optional<String> unavailableReason() {
    if (unavailable == null) {
      unavailable = Optional.ofNullable(probe());
    }
    return unavailable;
  }

  /**
   * For tests using the lab: skips (JUnit assumption) with the reason when the lab cannot run; in
   * CI (environment CI=true, which runs as root) fails instead, so that lab tests never silently
   * stop running there.
   */
  public static void assumeAvailable() {
    Optional<String> reason = unavailableReason();
    if (reason.isPresent() && "true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException("CI must run the lab tests, but: " + reason.get());
    }
    Assumptions.assumeTrue(reason.isEmpty(), () -> reason.orElse(""));
  }

  private static String probe() {
    if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
      return "the lab needs Linux network namespaces";
    }
    if (!isRoot()) {
      return "the lab needs root (network namespaces, veths, nftables, tc): run as root, as CI"
          + " does";
    }
    for (String tool :
        List.of(
            "ip",
            "nft",
            "tc",
            "nginx",
            "openssl",
            "keytool",
            "python3",
            "miniupnpd",
            "upnpc",
            "iperf3")) {
      if (Shell.run(List.of("sh", "-c", "command -v " + tool)).exit() != 0) {
        return "the lab needs '"
            + tool
            + "' (scripts/install-test-deps.sh installs it: iproute2"
            + " nftables nginx-light openssl python3 miniupnpd-nftables miniupnpc iperf3)";
      }
    }
    String ns = PREFIX + "probe-" + ProcessHandle.current().pid();
    Shell.Result add = Shell.run(List.of("ip", "netns", "add", ns));
    if (add.exit() != 0) {
      return "network namespaces not allowed here: " + add.err().strip();
    }
    try {
      Shell.Result nft =
          Shell.run(List.of("ip", "netns", "exec", ns, "nft", "add", "table", "ip", "probe"));
      if (nft.exit() != 0) {
        return "nftables not allowed in a network namespace here: " + nft.err().strip();
      }
    } finally {
      Shell.run(List.of("ip", "netns", "del", ns));
    }
    return null;
  }

  private static boolean isRoot() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
      return lines
          .filter(l -> l.startsWith("Uid:"))
          .findFirst()
          .map(l -> l.split("\\s+")[2].equals("0"))
          .orElse(false);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Removes what runs of the lab left behind when their JVM died without cleaning up (killed with
   * SIGKILL): their namespaces (with their veths and nft tables) and the processes in them.
   */
  public static void removeStaleRuns() {
    for (String ns : listNamespaces()) {
      String[] parts = ns.substring(PREFIX.length()).split("-");
      long pid;
      try {
        pid = Long.parseLong(parts[0]);
      } catch (NumberFormatException e) {
        continue; // a probe: removed by the probe itself
      }
      if (ProcessHandle.of(pid).isEmpty()) {
        removeNamespace(ns);
      }
    }
  }

  private static List<String> listNamespaces() {
    List<String> names = new ArrayList<>();
    for (String line : Shell.ok("ip", "netns", "list").split("\n")) {
      String name = line.strip().split(" ")[0];
      if (name.startsWith(PREFIX)) {
        names.add(name);
      }
    }
    return names;
  }

  private static void removeNamespace(String ns) {
    Shell.Result pids = Shell.run(List.of("ip", "netns", "pids", ns));
    for (String pid : pids.out().split("\\s+")) {
      if (!pid.isBlank()) {
        Processes.kill(Long.parseLong(pid.strip()));
      }
    }
    Shell.run(List.of("ip", "netns", "del", ns));
  }

  private Lab start() {
    try {
      removeStaleRuns();
      buildInternet();
      for (int i = 0; i < config.homes; i++) {
        homes.add(
            new Home(
                this,
                i,
                config.nat.getOrDefault(i, config.defaultNat),
                config.players.getOrDefault(i, 1)));
      }
      for (Home h : homes) {
        h.build(config.uplinkKbit, config.uplinkQueueMs, config.downlinkKbit);
      }
      // Open homes are routed: the cloud and every router know the way to their LANs.
      for (Home open : homes) {
        if (open.nat() == Nat.NONE) {
          routesTo(open, true);
        }
      }
      for (Home h : homes) {
        if (config.miniupnpd.contains(h.index())) {
          h.miniupnpd(true);
        }
      }
      if (config.controlPlane) {
        controlPlane = new LabControlPlane(this, config.controlPlaneSettings);
        controlPlane.start(config.controlPlaneStartTimeout);
      }
      return this;
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  void routesTo(Home open, boolean add) {
    open.route(cloudNamespace(), add);
    for (Home h : homes) {
      if (h != open) {
        open.route(h.routerNamespace(), add);
      }
    }
  }

  private void buildInternet() {
    String inet = internetNamespace();
    addNamespace(inet);
    Shell.ok("ip", "-n", inet, "link", "set", "dev", "lo", "up");
    Shell.ok("ip", "-n", inet, "link", "add", "name", "bridge0", "type", "bridge");
    Shell.ok("ip", "-n", inet, "link", "set", "dev", "bridge0", "up");
    // This JVM's namespace joins the internet to reach the control plane's API. The veth's other
    // end is in the lab's namespace, so deleting that namespace deletes this interface too.
    String rootIf = rootInterface();
    Shell.ok(
        "ip", "link", "add", "name", rootIf, "type", "veth", "peer", "name", "host", "netns", inet);
    Shell.ok("ip", "-n", inet, "link", "set", "dev", "host", "master", "bridge0", "up");
    Shell.ok("ip", "addr", "add", ROOT_ADDRESS + "/24", "dev", rootIf);
    Shell.ok("ip", "link", "set", "dev", rootIf, "up");
    String cloud = cloudNamespace();
    addNamespace(cloud);
    Shell.ok("ip", "-n", cloud, "link", "set", "dev", "lo", "up");
    Shell.ok(
        "ip", "link", "add", "name", "eth0", "netns", cloud, "type", "veth", "peer", "name",
        "cloud", "netns", inet);
    Shell.ok("ip", "-n", inet, "link", "set", "dev", "cloud", "master", "bridge0", "up");
    Shell.ok("ip", "-n", cloud, "addr", "add", CLOUD + "/24", "dev", "eth0");
    Shell.ok("ip", "-n", cloud, "link", "set", "dev", "eth0", "up");
    if (config.cloudUplinkKbit > 0) {
      long burst = Math.max(64 * 1024, config.cloudUplinkKbit * 1000L / 8 / 50);
      Shell.ok(
          "ip",
          "netns",
          "exec",
          cloud,
          "tc",
          "qdisc",
          "replace",
          "dev",
          "eth0",
          "root",
          "tbf",
          "rate",
          config.cloudUplinkKbit + "kbit",
          "burst",
          String.valueOf(burst),
          "latency",
          "50ms");
    }
  }

  private String rootInterface() {
    // Interface names have at most 15 characters, and this one lives in the shared namespace.
    String name =
        "sl"
            + Long.toHexString(ProcessHandle.current().pid())
            + "x"
            + Integer.toHexString(sequence);
    return name.length() <= 15 ? name : name.substring(name.length() - 15);
  }

  // --- accessors

  /** The run's unique prefix ({@code shoallab-<pid>-<n>}). */
  public String id() {
    return id;
  }

  /** Where this run keeps its files (configs, logs, agents' data); deleted on close. */
  public Path runDir() {
    return runDir;
  }

  public List<Home> homes() {
    return Collections.unmodifiableList(homes);
  }

  public Home home(int index) {
    return homes.get(index);
  }

  /** The control plane in the cloud; fails if the lab was built without one. */
  public LabControlPlane controlPlane() {
    if (controlPlane == null) {
      throw new IllegalStateException("this lab has no control plane (builder().controlPlane())");
    }
    return controlPlane;
  }

  public String cloudNamespace() {
    return id + "-cloud";
  }

  public String internetNamespace() {
    return id + "-inet";
  }

  /** Whether the run was torn down because it ran out of time. */
  public boolean timedOut() {
    return timedOut;
  }

  /** Runs a command inside one of the lab's namespaces; its output (fails unless it exits 0). */
  public String exec(String namespace, String... command) {
    if (!namespaces.contains(namespace)) {
      throw new IllegalArgumentException(namespace + " is not a namespace of this lab");
    }
    return Shell.ok(Shell.in(namespace, List.of(command)));
  }

  void addNamespace(String ns) {
    Shell.ok("ip", "netns", "add", ns);
    namespaces.add(ns);
  }

  /** Starts a long-running process (already wrapped in {@code ip netns exec}), killed on close. */
  Process startProcess(List<String> command, Path log) {
    if (closed) {
      throw new LabException(id + " is closed" + (timedOut ? " (ran out of time)" : ""));
    }
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      processes.add(p);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + command, e);
    }
  }

  /** Waits until something listens on a TCP port in a namespace. */
  void awaitListening(String namespace, int port, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      String out = Shell.ok(Shell.in(namespace, List.of("ss", "-Htln", "sport = :" + port)));
      if (!out.isBlank()) {
        return;
      }
      sleep(200);
    }
    throw new LabException(
        "nothing listens on port " + port + " in " + namespace + " after " + timeout);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LabException("interrupted");
    }
  }

  // Python's standard library, already on every machine the lab runs on (python3-libtorrent's
  // dependency); a JVM per relay would cost more than the agent it serves.
  private static final String RELAY =
      String.join(
          "\n",
          "import os, socket, sys, threading",
          "path, port = sys.argv[1], int(sys.argv[2])",
          "srv = socket.socket(socket.AF_UNIX)",
          "srv.bind(path)",
          "srv.listen(16)",
          "def pipe(a, b):",
          "    try:",
          "        while True:",
          "            d = a.recv(65536)",
          "            if not d: break",
          "            b.sendall(d)",
          "    except OSError: pass",
          "    try: b.shutdown(socket.SHUT_WR)",
          "    except OSError: pass",
          "def serve(c):",
          "    try: u = socket.create_connection(('127.0.0.1', port))",
          "    except OSError:",
          "        c.close(); return",
          "    t = threading.Thread(target=pipe, args=(u, c)); t.start(); pipe(c, u); t.join()",
          "    c.close(); u.close()",
          "while True:",
          "    c, _ = srv.accept()",
          "    threading.Thread(target=serve, args=(c,), daemon=True).start()",
          "");

  LabAgent startAgent(Home home, int player, List<String> runArguments) {
    String ns = home.hostNamespace(player);
    Path base = runDir.resolve(home.name() + "p" + player + "-" + AGENTS.incrementAndGet());
    Path data = base.resolve("data");
    try {
      Files.createDirectories(data);
      Files.createDirectories(base.resolve("no-power-supply"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(config.agentJvmFlags);
    cmd.addAll(controlPlane().trustFlags());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
    cmd.add("dev.shoal.agent.cli.ShoalAgent");
    cmd.addAll(
        List.of(
            "--data-dir",
            data.toString(),
            "run",
            "--port",
            String.valueOf(Home.LOCAL_API_PORT),
            "--control-plane",
            controlPlane().publicUrl(),
            "--organisation",
            controlPlane().organisation()));
    cmd.addAll(runArguments);
    Process agent = startProcess(cmd, base.resolve("data.log"));
    Path socket = base.resolve("api.sock");
    Process relay =
        startProcess(
            List.of(
                "ip",
                "netns",
                "exec",
                ns,
                "python3",
                "-c",
                RELAY,
                socket.toString(),
                String.valueOf(Home.LOCAL_API_PORT)),
            base.resolve("relay.log"));
    long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    Path apiFile = data.resolve("local-api.json");
    while (true) {
      if (!agent.isAlive()) {
        throw new LabException(
            home.name()
                + "/"
                + player
                + ": the agent exited "
                + (timedOut ? "(the lab ran out of time) " : "")
                + agent.exitValue()
                + "; its output: "
                + tail(base.resolve("data.log")));
      }
      Optional<LocalApiFile> api =
          Files.exists(apiFile) ? LocalApiFile.read(apiFile) : Optional.empty();
      if (api.isPresent() && Files.exists(socket) && api.get().pid() == agent.pid()) {
        LabAgent a = new LabAgent(home, player, data, agent, relay, socket, api.get());
        awaitEnrolled(a, end);
        return a;
      }
      if (System.nanoTime() > end) {
        throw new LabException(
            home.name()
                + "/"
                + player
                + ": no local API after 90 s; output: "
                + tail(base.resolve("data.log")));
      }
      sleep(200);
    }
  }

  private static void awaitEnrolled(LabAgent a, long end) {
    // `run --control-plane --organisation` enrols after the local API is up.
    while (true) {
      UnixHttp.Answer s = a.send("GET", "/v1/status", null);
      if (s.status() == 200
          && s.body().contains("\"deviceId\"")
          && Files.exists(a.log())
          && tail(a.log()).contains("Enrolled with")) {
        return;
      }
      if (Files.exists(a.log()) && tail(a.log()).contains("Could not enrol")) {
        throw new LabException(a.home().name() + ": " + tail(a.log()));
      }
      if (System.nanoTime() > end) {
        throw new LabException(a.home().name() + ": not enrolled in time: " + tail(a.log()));
      }
      sleep(200);
    }
  }

  static String tail(Path log) {
    try {
      String s = Files.readString(log);
      return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    } catch (IOException e) {
      return "(no output)";
    }
  }

  /**
   * Stops every process the lab started and removes its namespaces (their veths and nft tables go
   * with them) and its run directory. Safe to call more than once, from any thread.
   */
  @Override
  public void close() {
    // Synchronized as a whole: a second caller (the shutdown hook while the deadline tears down)
    // waits until the first has finished, so the JVM never exits halfway through.
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (Thread.currentThread() != deadline) {
        deadline.interrupt();
      }
      for (Process p : processes) {
        p.destroy();
      }
      for (Process p : processes) {
        Processes.stop(p, Duration.ofSeconds(5));
      }
      for (String ns : namespaces) {
        removeNamespace(ns);
      }
      if (!config.keepRunDir) {
        deleteRecursively(runDir);
      }
      lock.close();
    }
    if (Thread.currentThread() != hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down: the hook will find the lab closed
      }
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a temporary directory.
    }
  }

  /** What to build. {@link #build()} builds and starts it. */
  public static final class Builder {
    private int homes = 6;
    private Nat defaultNat = Nat.CONE;
    private final Map<Integer, Nat> nat = new LinkedHashMap<>();
    private final Map<Integer, Integer> players = new LinkedHashMap<>();
    private final List<Integer> miniupnpd = new ArrayList<>();
    private int uplinkKbit = 8_000;
    private int uplinkQueueMs;
    private int downlinkKbit = 80_000;
    private int cloudUplinkKbit;
    private boolean controlPlane = true;
    private final Map<String, Object> controlPlaneSettings = new LinkedHashMap<>();
    private Duration timeout = Duration.parse(System.getProperty("shoal.lab.timeout", "PT5M"));
    private Duration controlPlaneStartTimeout = Duration.ofMinutes(4);
    private List<String> agentJvmFlags =
        List.of("-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");
    private boolean keepRunDir = Boolean.getBoolean("shoal.lab.keep");
    private Duration lockWait = Duration.ofMinutes(15);

    private Builder() {}

    /** How many homes (1 to 50). */
    public Builder homes(int n) {
      if (n < 1 || n > 50) {
        throw new IllegalArgumentException("homes: 1 to 50");
      }
      this.homes = n;
      return this;
    }

    /** The NAT of every home not given one with {@link #nat(int, Nat)} (default CONE). */
    public Builder nat(Nat all) {
      this.defaultNat = all;
      return this;
    }

    public Builder nat(int home, Nat type) {
      nat.put(home, type);
      return this;
    }

    /** Homes whose routers run miniupnpd from the start ({@link Home#miniupnpd} toggles it). */
    public Builder miniupnpd(int... homeIndexes) {
      for (int i : homeIndexes) {
        miniupnpd.add(i);
      }
      return this;
    }

    /** How many players (namespaces on one LAN) a home has; 1 by default. */
    public Builder players(int home, int count) {
      if (count < 1 || count > 8) {
        throw new IllegalArgumentException("players per home: 1 to 8");
      }
      players.put(home, count);
      return this;
    }

    /** Every home's upload, kbit/s (default 8000); download is 10× unless set. */
    public Builder uplinkKbit(int kbit) {
      this.uplinkKbit = kbit;
      this.downlinkKbit = kbit * 10;
      return this;
    }

    /**
     * How long a queue every home's uplink holds at its rate, e.g. 300 (a bufferbloated home
     * router, where background uploads add that much delay to everything else); 0 (default): tbf's
     * {@code latency 50ms}.
     */
    public Builder uplinkQueueMs(int ms) {
      if (ms < 0 || ms > 5_000) {
        throw new IllegalArgumentException("uplink queue: 0 to 5000 ms");
      }
      this.uplinkQueueMs = ms;
      return this;
    }

    public Builder downlinkKbit(int kbit) {
      this.downlinkKbit = kbit;
      return this;
    }

    /** Shapes what leaves the cloud (origin HTTP and seeder together); 0 (default): unshaped. */
    public Builder cloudUplinkKbit(int kbit) {
      this.cloudUplinkKbit = kbit;
      return this;
    }

    /** Whether to run a control plane in the cloud (default true). */
    public Builder controlPlane(boolean run) {
      this.controlPlane = run;
      return this;
    }

    /** A control-plane setting, e.g. {@code shoal.origin.upload-cap=2MB}. */
    public Builder controlPlaneSetting(String property, Object value) {
      controlPlaneSettings.put(property, value);
      return this;
    }

    /**
     * The whole run's bound: past it, the lab tears itself down (default 5 minutes, or {@code
     * -Dshoal.lab.timeout=PT6M} on a loaded machine).
     */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public Builder agentJvmFlags(List<String> flags) {
      this.agentJvmFlags = List.copyOf(flags);
      return this;
    }

    /**
     * Keeps the run directory (logs, configs) after close, to read a failure (also with {@code
     * -Dshoal.lab.keep=true}).
     */
    public Builder keepRunDir(boolean keep) {
      this.keepRunDir = keep;
      return this;
    }

    /**
     * How long to wait for another lab run on this machine to end (default 15 minutes): labs share
     * their addresses, so one runs at a time, in whatever JVM.
     */
    public Builder lockWait(Duration wait) {
      this.lockWait = wait;
      return this;
    }

    /**
     * Builds the lab (after any other run on this machine has ended) and starts its control plane;
     * on failure, removes what it built.
     */
    public Lab build() {
      unavailableReason()
          .ifPresent(
              r -> {
                throw new LabException("the lab cannot run here: " + r);
              });
      MachineLock lock = MachineLock.acquire(lockWait);
      try {
        return new Lab(this, lock).start();
      } catch (RuntimeException | Error e) {
        lock.close();
        throw e;
      }
    }
  }
}
