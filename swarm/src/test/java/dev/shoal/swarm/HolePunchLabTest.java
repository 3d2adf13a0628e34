package dev.shoal.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Torrents;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hole punching (BEP 55) between two players behind port-restricted cone NATs, with no port
 * mapping, in network namespaces: a relay in the "cloud" is connected to both (they dial it); the
 * players cannot dial each other. With punching on, the leecher gets every piece from the seed
 * behind the other NAT; with it off, none. The relay takes one block per 16 s, so it never has a
 * piece to pass on. Then the routers answer unsolicited TCP with a RST: TCP punching connects
 * nothing, punching over UDP (uTP) every piece. No propagation delay or loss in the lab (no netem
 * here). Needs root; skipped with the reason otherwise; everything made is removed on success,
 * failure and interrupt.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
@Tag("lab") // network namespaces, as root: scripts/test-lab.sh
class HolePunchLabTest {

  private static final String PREFIX = "hp" + (ProcessHandle.current().pid() % 100000);
  private static final List<String> NAMESPACES =
      List.of(PREFIX + "c", PREFIX + "r1", PREFIX + "r2", PREFIX + "h1", PREFIX + "h2");
  private static Thread cleanupHook;

  @TempDir static Path dir;

  @BeforeAll
  static void lab() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "hole-punch lab test skipped: needs root for network namespaces");
    for (String tool : List.of("ip", "nft", "bash")) {
      Assumptions.assumeTrue(
          LabCommands.run(5, "sh", "-c", "command -v " + tool).startsWith("/"),
          "hole-punch lab test skipped: " + tool + " not installed");
    }
    Path script = dir.resolve("two-homes.sh");
    try (InputStream in = HolePunchLabTest.class.getResourceAsStream("/holepunch/two-homes.sh")) {
      Files.write(script, in.readAllBytes());
    }
    cleanupHook = new Thread(HolePunchLabTest::cleanup, "hole-punch-lab-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanupHook);
    Process setup =
        new ProcessBuilder("bash", script.toString(), PREFIX).redirectErrorStream(true).start();
    boolean done = setup.waitFor(30, TimeUnit.SECONDS);
    String output = new String(setup.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Assumptions.assumeTrue(
        done && setup.exitValue() == 0,
        "hole-punch lab test skipped: namespaces not allowed: " + output);
  }

  @AfterAll
  static void cleanup() {
    LabCommands.deleteNamespaces(NAMESPACES, cleanupHook);
  }

  @Test
  void twoPlayersBehindConeNatsExchangePiecesOnlyWithHolePunching() throws Exception {
    Path data = GameBuilds.randomFile(dir, "game.bin", 4L << 20, 55);
    Path torrent = dir.resolve("game.torrent");
    Files.write(torrent, Torrents.of(data, 256 * 1024, null));

    // TCP only: over uTP the crossing SYNs of both dials punch the cone NATs by themselves, so
    // this lab would not show what BEP 55 adds.
    Run without = exchange(torrent, data, "off", "off", true, 25);
    assertThat(without.last())
        .as("without punching the leecher gets nothing")
        .startsWith("progress 0 0/");

    Run with = exchange(torrent, data, "on", "off", true, 60);
    assertThat(with.last()).as("with punching, every piece from the seed").isEqualTo("complete");
  }

  /**
   * Routers that answer unsolicited TCP from their WAN with a RST, as many do: the first punching
   * SYN to arrive is refused and the RST kills the other side's attempt, so TCP punching connects
   * nothing; over UDP (uTP on both sides) the same rendezvous connects. Only the leecher knows the
   * seed's address: the seed never dials it, so nothing but the punch can connect them.
   */
  @Test
  void udpPunchingConnectsWhereRoutersAnswerTcpWithReset() throws Exception {
    Path data = GameBuilds.randomFile(dir, "game-rst.bin", 4L << 20, 56);
    Path torrent = dir.resolve("game-rst.torrent");
    Files.write(torrent, Torrents.of(data, 256 * 1024, null));
    resetUnsolicitedTcp(true);
    try {
      Run tcp = exchange(torrent, data, "on", "off", false, 20);
      assertThat(tcp.last())
          .as("TCP punching through routers that reset: nothing")
          .startsWith("progress 0 0/");

      Run udp = exchange(torrent, data, "on", "on", false, 40);
      assertThat(udp.last()).as("uTP punching: every piece from the seed").isEqualTo("complete");
      // No TCP peer ever: the relay never has a piece, so the seed's pieces came over uTP.
      assertThat(udp.transports()).contains("transports utp,utp").noneMatch(t -> t.contains("tcp"));
    } finally {
      resetUnsolicitedTcp(false);
    }
  }

  /** Adds (or removes) a RST for new TCP connections from the WAN on both routers. */
  private static void resetUnsolicitedTcp(boolean on) throws IOException {
    for (int i = 1; i <= 2; i++) {
      String router = PREFIX + "r" + i;
      if (!on) {
        LabCommands.run(5, "ip", "netns", "exec", router, "nft", "delete", "table", "inet", "rst");
        continue;
      }
      String rule =
          "iifname \""
              + PREFIX
              + "w"
              + i
              + "\" ct state new meta l4proto tcp reject with tcp reset";
      Path rules = dir.resolve("rst-" + i + ".nft");
      Files.writeString(
          rules,
          "table inet rst {\n"
              + "  chain input { type filter hook input priority -10; policy accept; "
              + rule
              + "; }\n"
              + "  chain forward { type filter hook forward priority -10; policy accept; "
              + rule
              + "; }\n"
              + "}\n");
      String out = LabCommands.run(5, "ip", "netns", "exec", router, "nft", "-f", rules.toString());
      assertThat(out).as("nft on " + router).isEmpty();
    }
  }

  /** The leecher's last progress line ("complete" once done) and every "transports" line. */
  private record Run(String last, List<String> transports) {}

  /**
   * Runs relay, seed (home 1) and leecher (home 2) with punching and uTP on or off for at most
   * {@code seconds}; the leecher dials the relay and the seed, the seed the relay and, if {@code
   * seedDials}, the leecher.
   */
  private static Run exchange(
      Path torrent, Path data, String punch, String utp, boolean seedDials, int seconds)
      throws Exception {
    String run = punch + "-" + utp + "-" + seedDials;
    Path out = dir.resolve("out-" + run + ".bin");
    Path relayOut = dir.resolve("relay-" + run + ".bin");
    List<Process> started = new ArrayList<>();
    try {
      started.add(probe(PREFIX + "c", "relay", torrent, relayOut, punch, utp, List.of(), null));
      Thread.sleep(1000);
      String relay = "198.51.100.1:6881";
      List<String> seedPeers = seedDials ? List.of(relay, "198.51.100.3:6881") : List.of(relay);
      started.add(probe(PREFIX + "h1", "seed", torrent, data, punch, utp, seedPeers, null));
      Leecher leecher = new Leecher();
      started.add(
          probe(
              PREFIX + "h2",
              "leech",
              torrent,
              out,
              punch,
              utp,
              List.of(relay, "198.51.100.2:6881"),
              leecher));
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end && !leecher.last.get().equals("complete")) {
        Thread.sleep(250);
      }
      if (leecher.last.get().equals("complete")) {
        assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
      }
      return new Run(leecher.last.get(), List.copyOf(leecher.transports));
    } finally {
      for (Process p : started) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  private static Process probe(
      String ns,
      String role,
      Path torrent,
      Path file,
      String punch,
      String utp,
      List<String> peers,
      Leecher leecher)
      throws IOException {
    List<String> cmd =
        LabCommands.javaIn(
            ns,
            List.of(),
            HolePunchProbe.class,
            role,
            torrent.toString(),
            file.toString(),
            punch,
            utp);
    cmd.addAll(peers);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  if (leecher != null) {
                    leecher.read(line);
                  }
                }
              } catch (IOException e) {
                // the probe is gone
              }
            });
    reader.setDaemon(true);
    reader.start();
    return p;
  }

  /** What the leecher's probe printed so far. */
  private static final class Leecher {
    final AtomicReference<String> last = new AtomicReference<>("nothing");
    final Set<String> transports = ConcurrentHashMap.newKeySet();

    void read(String line) {
      if (line.startsWith("transports ")) {
        transports.add(line);
      } else if (!"complete".equals(last.get())
          && (line.startsWith("progress ") || line.equals("complete"))) {
        last.set(line);
      }
    }
  }
}
