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
 * piece to pass on. No propagation delay or loss in the lab (no netem here). Needs root; skipped
 * with the reason otherwise; everything made is removed on success, failure and interrupt.
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

    String without = exchange(torrent, data, "off", 25);
    assertThat(without).as("without punching the leecher gets nothing").startsWith("progress 0 0/");

    String with = exchange(torrent, data, "on", 60);
    assertThat(with).as("with punching, every piece from the seed").isEqualTo("complete");
  }

  /**
   * Runs relay, seed (home 1) and leecher (home 2) with punching on or off for at most {@code
   * seconds}; returns "complete" or the leecher's last progress line.
   */
  private static String exchange(Path torrent, Path data, String punch, int seconds)
      throws Exception {
    Path out = dir.resolve("out-" + punch + ".bin");
    Path relayOut = dir.resolve("relay-" + punch + ".bin");
    List<Process> started = new ArrayList<>();
    try {
      started.add(probe(PREFIX + "c", "relay", torrent, relayOut, punch, List.of(), null));
      Thread.sleep(1000);
      String relay = "198.51.100.1:6881";
      started.add(
          probe(
              PREFIX + "h1",
              "seed",
              torrent,
              data,
              punch,
              List.of(relay, "198.51.100.3:6881"),
              null));
      AtomicReference<String> last = new AtomicReference<>("nothing");
      started.add(
          probe(
              PREFIX + "h2",
              "leech",
              torrent,
              out,
              punch,
              List.of(relay, "198.51.100.2:6881"),
              last));
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end && !last.get().equals("complete")) {
        Thread.sleep(250);
      }
      if (last.get().equals("complete")) {
        assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
      }
      return last.get();
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
      List<String> peers,
      AtomicReference<String> last)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "ip",
                "netns",
                "exec",
                ns,
                java,
                "-cp",
                System.getProperty("java.class.path"),
                HolePunchProbe.class.getName(),
                role,
                torrent.toString(),
                file.toString(),
                punch));
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
                  if (last != null && !"complete".equals(last.get())) {
                    if (line.startsWith("progress ") || line.equals("complete")) {
                      last.set(line);
                    }
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
}
