package dev.shoal.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
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
 * uTP only, against real libtorrent 2.0 with TCP turned off on its side: two network namespaces
 * joined by a veth pair (libtorrent's uTP is slow on loopback), libtorrent in one, our engine in a
 * child JVM in the other, both directions, checked by SHA-256. Needs root; skipped with the reason
 * otherwise; the namespaces (and the veth pair with them) are removed on success, failure and
 * interrupt.
 */
@Tag("lab") // two network namespaces on a veth pair, as root: scripts/test-lab.sh
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class UtpInteropLabTest {
  private static final long PID = ProcessHandle.current().pid();
  private static final String NS_A = "shoalutp-" + PID + "-a";
  private static final String NS_B = "shoalutp-" + PID + "-b";
  private static final int NET = (int) (PID % 200) + 20;
  private static final String IP_A = "10.77." + NET + ".1";
  private static final String IP_B = "10.77." + NET + ".2";
  private static final long SIZE = (32L << 20) + 999;
  private static Thread cleanupHook;

  @TempDir static Path dir;
  private static Path data;
  private static Path torrentFile;

  @BeforeAll
  static void lab() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "uTP interop lab skipped: needs root for network namespaces");
    Assumptions.assumeTrue(
        LabCommands.run(5, "sh", "-c", "command -v ip").startsWith("/"),
        "uTP interop lab: no ip tool");
    cleanupHook = new Thread(UtpInteropLabTest::cleanup, "utp-lab-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanupHook);
    String vethA = "su" + PID % 1_000_000 + "a";
    String vethB = "su" + PID % 1_000_000 + "b";
    String script = LabCommands.vethPair(NS_A, NS_B, vethA, vethB, IP_A, IP_B);
    String output = LabCommands.run(20, "sh", "-c", script + " && echo LAB-OK");
    Assumptions.assumeTrue(
        output.contains("LAB-OK"), "uTP interop lab skipped: namespaces not allowed: " + output);
    data = GameBuilds.randomFile(dir, "game.bin", SIZE, 29);
    torrentFile = dir.resolve("game.torrent");
    Files.write(torrentFile, Torrents.of(data, 256 * 1024, null));
  }

  @AfterAll
  static void cleanup() {
    LabCommands.deleteNamespaces(List.of(NS_A, NS_B), cleanupHook);
  }

  @Test
  void weDownloadFromALibtorrentSeederOverUtp() throws Exception {
    Path out = dir.resolve("ours/game.bin");
    try (ExternalPeer lt =
            libtorrent("seed", data.getParent(), "--listen", IP_A, "--port", "6881", "--stay");
        ExternalPeer ours = probe("leech", out, IP_A + ":6881")) {
      lt.await("READY", Duration.ofSeconds(60));
      String done = ours.await("complete", Duration.ofSeconds(150));
      System.out.printf(
          "uTP veth: libtorrent -> us %.1f MB/s (%s), load %s%n",
          SIZE / Double.parseDouble(done.split(" ")[1]) / 1e6, done, LabCommands.loadAverage());
      assertThat(ours.log.toString()).contains("transports [utp]").doesNotContain("tcp");
    }
    assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
  }

  @Test
  void libtorrentDownloadsFromUsOverUtp() throws Exception {
    Path ltDir = Files.createDirectories(dir.resolve("lt"));
    try (ExternalPeer ours = probe("seed", data, null)) {
      ours.await("complete", Duration.ofSeconds(60)); // our copy verified: seeding
      try (ExternalPeer lt =
          libtorrent(
              "download", ltDir, "--listen", IP_A, "--peer", IP_B + ":6881", "--timeout", "150")) {
        String done = lt.await("DONE", Duration.ofSeconds(170));
        System.out.printf(
            "uTP veth: us -> libtorrent %.1f MB/s (%s), load %s%n",
            SIZE / Double.parseDouble(done.split(" ")[1]) / 1e6, done, LabCommands.loadAverage());
      }
      assertThat(ours.log.toString()).contains("transports [utp]").doesNotContain("tcp");
    }
    assertThat(Torrents.sha256(ltDir.resolve("game.bin"))).isEqualTo(Torrents.sha256(data));
  }

  private static ExternalPeer libtorrent(String mode, Path save, String... extra)
      throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "ip",
                "netns",
                "exec",
                NS_A,
                Fixtures.PYTHON,
                ExternalPeer.LT_PEER.toString(),
                mode,
                torrentFile.toString(),
                save.toString(),
                "--utp-only"));
    cmd.addAll(List.of(extra));
    return new ExternalPeer(cmd);
  }

  private static ExternalPeer probe(String role, Path file, String peer) throws IOException {
    List<String> cmd =
        LabCommands.javaIn(
            NS_B,
            List.of(),
            UtpProbe.class,
            role,
            torrentFile.toString(),
            file.toString(),
            IP_B,
            "6881");
    if (peer != null) {
      cmd.add(peer);
    }
    return new ExternalPeer(cmd);
  }
}
