package dev.shoal.swarm;

import static dev.shoal.swarm.Fixtures.fetch;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Loopback;
import dev.shoal.testsupport.Torrents;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our engine downloads from a real Transmission 3.00 seeder on loopback and gets there over uTP:
 * our dial tries uTP first and Transmission takes it. Skipped when transmission-daemon is not
 * installed. (Transmission cannot turn TCP off, nor be told a peer over RPC, so this runs one way
 * only and checks the transport on our side.)
 */
@Tag("slow")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TransmissionUtpTest {
  @TempDir Path dir;

  @Test
  void downloadsFromATransmissionSeederOverUtp() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/transmission-daemon")),
        "transmission-daemon not installed");
    Path seedDir = Files.createDirectories(dir.resolve("seed"));
    Path data = GameBuilds.randomFile(seedDir, "game.bin", 16L << 20, 31);
    Path torrentFile = dir.resolve("game.torrent");
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    Files.write(torrentFile, torrent);
    int peerPort = Loopback.freePort();
    int rpcPort = Loopback.freePort();
    Path config = Files.createDirectories(dir.resolve("tr-config"));
    Files.writeString(
        config.resolve("settings.json"),
        "{\"bind-address-ipv4\": \"127.0.0.1\", \"bind-address-ipv6\": \"::1\","
            + " \"rpc-bind-address\": \"127.0.0.1\", \"rpc-port\": "
            + rpcPort
            + ", \"rpc-authentication-required\": false, \"rpc-whitelist-enabled\": false,"
            + " \"rpc-host-whitelist-enabled\": false, \"peer-port\": "
            + peerPort
            + ", \"peer-port-random-on-start\": false, \"port-forwarding-enabled\": false,"
            + " \"dht-enabled\": false, \"lpd-enabled\": false, \"pex-enabled\": false,"
            + " \"utp-enabled\": true, \"encryption\": 0, \"download-dir\": \""
            + seedDir
            + "\"}");
    ExternalPeer daemon =
        new ExternalPeer(
            List.of(
                "transmission-daemon",
                "--foreground",
                "--config-dir",
                config.toString(),
                "--log-error"));
    try (daemon;
        Swarm swarm = Swarm.start(Fixtures.loopback().utp(true).build())) {
      String rpc = "127.0.0.1:" + rpcPort;
      waitFor(() -> remote(rpc, "-l").contains("Sum:"), 20, "Transmission's RPC");
      assertThat(remote(rpc, "-a", torrentFile.toString(), "-w", seedDir.toString()))
          .contains("success");
      waitFor(() -> remote(rpc, "-t", "1", "-i").contains("Percent Done: 100%"), 30, "seeding");

      Path out = dir.resolve("out/game.bin");
      long start = System.nanoTime();
      TorrentHandle h = fetch(swarm, torrent, out, Loopback.address(peerPort));
      Set<String> transports = new HashSet<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!h.progress().isComplete() && System.nanoTime() < deadline) {
        transports.addAll(swarm.peerTransports());
        Thread.sleep(5);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(h.progress().isComplete()).as(daemon.log.toString()).isTrue();
      System.out.printf(
          "Transmission -> us over %s: %.1f MB/s%n", transports, (16L << 20) / seconds / 1e6);
      assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
      assertThat(transports).containsExactly("utp");
    }
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private static void waitFor(Check check, int seconds, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + what + " within " + seconds + " s");
      }
      Thread.sleep(200);
    }
  }

  private static String remote(String rpc, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("transmission-remote", rpc));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return "";
    }
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
