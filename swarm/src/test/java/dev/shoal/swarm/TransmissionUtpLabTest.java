package dev.shoal.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Loopback;
import dev.shoal.testsupport.Torrents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * uTP only, against Debian's Transmission 3.00, both ways: two network namespaces joined by a veth
 * pair, transmission-daemon in one, our engine in a child JVM ({@link UtpProbe}) in the other.
 * Transmission cannot turn TCP off, so nftables in both namespaces refuse every TCP packet on the
 * veth except the tracker's port: only uTP can carry the peer wire. Transmission cannot be told a
 * peer over RPC either, so it learns of our seeder from a tracker in our probe, named in the
 * torrent. Checked by SHA-256 and by our engine's view of the connection. Needs root; skipped with
 * the reason otherwise; the namespaces (with the veth pair and the nft tables in them) are removed
 * on success, failure and interrupt.
 */
@Tag("lab") // two network namespaces on a veth pair, as root: scripts/test-lab.sh
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TransmissionUtpLabTest {
  private static final long PID = ProcessHandle.current().pid();
  private static final String NS_TR = "shoaltr-" + PID + "-t";
  private static final String NS_US = "shoaltr-" + PID + "-u";
  private static final int NET = (int) (PID % 200) + 20;
  private static final String IP_TR = "10.78." + NET + ".1";
  private static final String IP_US = "10.78." + NET + ".2";
  private static final int TR_PORT = 51413;
  private static final int OUR_PORT = 6881;
  private static final int TRACKER_PORT = 7070;
  private static final long SIZE = (16L << 20) + 777;
  private static Thread cleanupHook;

  @TempDir static Path dir;
  private static Path data;
  private static Path torrentFile;

  @BeforeAll
  static void lab() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "Transmission uTP lab skipped: needs root for network namespaces");
    for (String tool : List.of("ip", "nft", "transmission-daemon", "transmission-remote")) {
      Assumptions.assumeTrue(
          LabCommands.run(5, "sh", "-c", "command -v " + tool).startsWith("/"),
          "Transmission uTP lab skipped: no " + tool);
    }
    cleanupHook = new Thread(TransmissionUtpLabTest::cleanup, "transmission-lab-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanupHook);
    String output = LabCommands.run(20, "sh", "-c", namespaces() + " && echo LAB-OK");
    Assumptions.assumeTrue(
        output.contains("LAB-OK"), "Transmission uTP lab skipped: no namespaces: " + output);
    data = GameBuilds.randomFile(dir.resolve("seed"), "game.bin", SIZE, 37);
    torrentFile = dir.resolve("game.torrent");
    String announce = "http://" + IP_US + ":" + TRACKER_PORT + "/announce?passkey=lab";
    Files.write(torrentFile, Torrents.of(data, 256 * 1024, announce));
  }

  /** The namespaces, the veth pair, and in each namespace a table refusing TCP but the tracker. */
  private static String namespaces() {
    String vethTr = "st" + PID % 1_000_000 + "t";
    String vethUs = "st" + PID % 1_000_000 + "u";
    return String.join(
        " && ",
        LabCommands.vethPair(NS_TR, NS_US, vethTr, vethUs, IP_TR, IP_US),
        "ip netns exec " + NS_TR + " nft -f " + rules("sport", "dport"),
        "ip netns exec " + NS_US + " nft -f " + rules("dport", "sport"));
  }

  /**
   * An nft script (as a file) that lets through TCP only on loopback (Transmission's RPC) and to or
   * from the tracker's port ({@code in} and {@code out} say which end of the connection that port
   * is on here); other TCP is answered with a reset, so a TCP dial fails at once.
   */
  private static String rules(String in, String out) {
    String table =
        "table inet shoaltr {\n"
            + "  chain in {\n"
            + "    type filter hook input priority 0; policy accept;\n"
            + "    iifname \"lo\" accept\n"
            + "    tcp "
            + in
            + " "
            + TRACKER_PORT
            + " accept\n"
            + "    meta l4proto tcp counter reject with tcp reset\n"
            + "  }\n"
            + "  chain out {\n"
            + "    type filter hook output priority 0; policy accept;\n"
            + "    oifname \"lo\" accept\n"
            + "    tcp "
            + out
            + " "
            + TRACKER_PORT
            + " accept\n"
            + "    meta l4proto tcp counter reject with tcp reset\n"
            + "  }\n"
            + "}\n";
    try {
      Path file = Files.createTempFile("shoaltr-" + in, ".nft");
      file.toFile().deleteOnExit();
      Files.writeString(file, table);
      return file.toString();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterAll
  static void cleanup() {
    LabCommands.deleteNamespaces(List.of(NS_TR, NS_US), cleanupHook);
  }

  @Test
  void weDownloadFromATransmissionSeederOverUtp() throws Exception {
    Path out = dir.resolve("ours/game.bin");
    try (Transmission tr = Transmission.start(dir.resolve("tr-seed"))) {
      tr.add(data.getParent());
      tr.awaitPercentDone("100%", 60);
      tcpIsRefused(NS_US, IP_TR, TR_PORT);
      try (ExternalPeer ours = probe("leech", out, IP_TR + ":" + TR_PORT)) {
        tr.awaitUs(30);
        String done = ours.await("complete", Duration.ofSeconds(150));
        System.out.printf(
            "Transmission uTP veth: Transmission -> us %.1f MB/s (%s), load %s%n",
            SIZE / Double.parseDouble(done.split(" ")[1]) / 1e6, done, LabCommands.loadAverage());
        assertThat(ours.log.toString()).contains("transports [utp]").doesNotContain("tcp");
      }
      System.out.println("Transmission's flags for us: " + tr.ourFlags);
      assertThat(tr.ourFlags).isNotEmpty().allMatch(f -> f.contains("T"));
    }
    assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
  }

  @Test
  void transmissionDownloadsFromUsOverUtp() throws Exception {
    Path trDir = Files.createDirectories(dir.resolve("tr-download"));
    try (ExternalPeer ours = probe("seed", data, null)) {
      ours.await("complete", Duration.ofSeconds(60)); // our copy verified: seeding
      tcpIsRefused(NS_TR, IP_US, OUR_PORT);
      try (Transmission tr = Transmission.start(dir.resolve("tr-leech"))) {
        long start = System.nanoTime();
        tr.add(trDir);
        tr.awaitPercentDone("100%", 170);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
            "Transmission uTP veth: us -> Transmission %.1f MB/s (%.1f s), load %s%n",
            SIZE / seconds / 1e6, seconds, LabCommands.loadAverage());
        System.out.println("Transmission's flags for us: " + tr.ourFlags);
        assertThat(tr.ourFlags).isNotEmpty().allMatch(f -> f.contains("T"));
        // Transmission asks for pieces within one of its 10 s interest rounds once it has read our
        // HAVE_ALL; when it left it unread (sent in one packet with our handshake) it waited for
        // our 60 s keep-alive and took 77 s; 18 s with the handshake sent on its own.
        assertThat(seconds).as("seconds until Transmission had it all").isLessThan(50);
      }
      assertThat(ours.log.toString()).contains("transports [utp]").doesNotContain("tcp");
    }
    assertThat(Torrents.sha256(trDir.resolve("game.bin"))).isEqualTo(Torrents.sha256(data));
  }

  /** The block is in place: a TCP dial across the veth to a listening peer port fails. */
  private static void tcpIsRefused(String from, String host, int port) {
    String r =
        LabCommands.run(
            5,
            "ip",
            "netns",
            "exec",
            from,
            "bash",
            "-c",
            "exec 3<>/dev/tcp/" + host + "/" + port + " && echo CONNECTED");
    assertThat(r).as("TCP from " + from + " to " + host + ":" + port).doesNotContain("CONNECTED");
  }

  private static ExternalPeer probe(String role, Path file, String peer) throws IOException {
    List<String> cmd =
        LabCommands.javaIn(
            NS_US,
            List.of("-Dshoal.tracker=" + TRACKER_PORT),
            UtpProbe.class,
            role,
            torrentFile.toString(),
            file.toString(),
            IP_US,
            String.valueOf(OUR_PORT));
    if (peer != null) {
      cmd.add(peer);
    }
    return new ExternalPeer(cmd);
  }

  /**
   * transmission-daemon in the foreground in its namespace, its config in a temp dir, RPC on a free
   * port of that namespace's loopback; closing it ends that one process (by its PID).
   */
  private static final class Transmission implements AutoCloseable {
    private final ExternalPeer daemon;
    private final String rpc;

    private Transmission(ExternalPeer daemon, String rpc) {
      this.daemon = daemon;
      this.rpc = rpc;
    }

    static Transmission start(Path config) throws Exception {
      Files.createDirectories(config);
      int rpcPort = Loopback.freePort();
      Files.writeString(config.resolve("settings.json"), settings(rpcPort));
      ExternalPeer daemon =
          new ExternalPeer(
              List.of(
                  "ip",
                  "netns",
                  "exec",
                  NS_TR,
                  "transmission-daemon",
                  "-f",
                  "-g",
                  config.toString(),
                  "--log-error"));
      Transmission tr = new Transmission(daemon, "127.0.0.1:" + rpcPort);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!tr.remote("-l").contains("Sum:")) {
        if (System.nanoTime() > deadline) {
          tr.close();
          throw new AssertionError("no Transmission RPC within 20 s: " + daemon.log);
        }
        Thread.sleep(200);
      }
      return tr;
    }

    private static String settings(int rpcPort) {
      return "{\"bind-address-ipv4\": \""
          + IP_TR
          + "\", \"rpc-bind-address\": \"127.0.0.1\", \"rpc-port\": "
          + rpcPort
          + ", \"rpc-authentication-required\": false, \"rpc-whitelist-enabled\": false,"
          + " \"rpc-host-whitelist-enabled\": false, \"peer-port\": "
          + TR_PORT
          + ", \"peer-port-random-on-start\": false, \"port-forwarding-enabled\": false,"
          + " \"dht-enabled\": false, \"lpd-enabled\": false, \"pex-enabled\": false,"
          + " \"utp-enabled\": true, \"encryption\": 0, \"ratio-limit-enabled\": false,"
          + " \"speed-limit-up-enabled\": false, \"speed-limit-down-enabled\": false}";
    }

    /** Adds the test's torrent with its data in {@code downloadDir}; done when RPC says so. */
    void add(Path downloadDir) {
      String r = remote("-a", torrentFile.toString(), "-w", downloadDir.toString());
      assertThat(r).as("torrent-add").contains("success");
    }

    /** Waits, noting meanwhile how Transmission sees our engine ({@link #ourFlags}). */
    void awaitPercentDone(String percent, int seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      String info = "";
      while (System.nanoTime() < deadline) {
        info = remote("-t", "1", "-i");
        notePeers();
        if (info.contains("Percent Done: " + percent)) {
          return;
        }
        Thread.sleep(500);
      }
      throw new AssertionError(
          "Transmission not at " + percent + " within " + seconds + " s:\n" + info + daemon.log);
    }

    /** Waits until our engine is in Transmission's peer list. */
    void awaitUs(int seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (ourFlags.isEmpty()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("Transmission did not list us within " + seconds + " s");
        }
        notePeers();
        Thread.sleep(200);
      }
    }

    /**
     * The flags column of our engine's rows in Transmission's peer list: "T" is a uTP connection,
     * "I" one we opened.
     */
    final java.util.Set<String> ourFlags = new java.util.TreeSet<>();

    private void notePeers() {
      for (String line : remote("-t", "1", "-pi").split("\n")) {
        String[] cols = line.trim().split("\\s+");
        if (cols.length > 1 && cols[0].equals(IP_US)) {
          ourFlags.add(cols[1]);
        }
      }
    }

    private String remote(String... args) {
      List<String> cmd =
          new ArrayList<>(List.of("ip", "netns", "exec", NS_TR, "transmission-remote", rpc));
      cmd.addAll(List.of(args));
      return LabCommands.run(10, cmd.toArray(String[]::new));
    }

    @Override
    public void close() throws InterruptedException {
      daemon.close();
    }
  }
}
