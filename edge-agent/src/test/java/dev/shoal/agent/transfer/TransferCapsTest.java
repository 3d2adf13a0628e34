package dev.shoal.agent.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.shoal.agent.RunningAgent;
import dev.shoal.agent.bandwidth.BandwidthSettings;
import dev.shoal.swarm.Progress;
import dev.shoal.swarm.Swarm;
import dev.shoal.swarm.SwarmConfig;
import dev.shoal.swarm.TorrentJob;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.RangeOrigin;
import dev.shoal.testsupport.Torrents;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Caps changed while transfers run are honoured: the player's download cap, then quiet mode's lower
 * rate; the upload cap, then a lower one while seeding; each measured over 10 s on real sockets
 * (slow: run with -Pslow).
 */
@Tag("slow")
class TransferCapsTest {
  static final long SIZE = 24L * 1024 * 1024;

  @TempDir Path tmp;

  @Test
  void downloadCapsChangedWhileRunningAreHonouredWithinTenPercent() throws Exception {
    Path original = GameBuilds.randomFile(tmp.resolve("publisher"), "big.pak", SIZE, 7);
    byte[] torrent = Torrents.of(original, Packs.PIECE, null);
    Path seederCopy = tmp.resolve("seeder").resolve("big.pak");
    Files.createDirectories(seederCopy.getParent());
    Files.copy(original, seederCopy);
    SwarmConfig loopback = SwarmConfig.builder().bindAddress("127.0.0.1").build();
    try (RangeOrigin origin = new RangeOrigin(original);
        Swarm seeder = Swarm.start(loopback);
        RunningAgent a = new RunningAgent(tmp.resolve("agent"), loopback)) {
      seeder
          .add(TorrentJob.builder(torrent, seederCopy).announceUrl("").build())
          .awaitCompletion(Duration.ofSeconds(60));
      long cap = 1_000_000;
      long quiet = 300_000;
      a.agent.policy().setSettings(new BandwidthSettings(1_000_000, cap, 0, null, false, quiet));
      Packs.grant(a, "DOWNLOAD_FROM_PEERS");
      Transfer t =
          a.agent
              .transfers()
              .download(
                  new PackSource(
                      "big.pak",
                      torrent,
                      null,
                      null,
                      List.of(new InetSocketAddress("127.0.0.1", seeder.listenPort())),
                      origin.uri()));

      double first = measure(t);
      a.sendJson("POST", "/v1/quiet-mode", "{\"on\":true}");
      double second = measure(t);
      System.out.printf(
          "download cap %d B/s measured %.0f B/s; quiet %d B/s measured %.0f B/s%n",
          cap, first, quiet, second);
      assertThat(first).isCloseTo(cap, within(cap * 0.10));
      assertThat(second).isCloseTo(quiet, within(quiet * 0.10));

      a.sendJson("POST", "/v1/quiet-mode", "{\"on\":false}");
      a.agent.policy().setSettings(new BandwidthSettings(1_000_000, 0, 0, null, false, quiet));
      t.awaitCompletion(Duration.ofSeconds(120));
      assertThat(Torrents.sha256(t.dataFile())).isEqualTo(Torrents.sha256(original));
    }
  }

  @Test
  void uploadCapsChangedWhileRunningAreHonouredWithinTenPercent() throws Exception {
    Path original = GameBuilds.randomFile(tmp.resolve("publisher"), "seeded.pak", SIZE, 8);
    byte[] torrent = Torrents.of(original, Packs.PIECE, null);
    SwarmConfig loopback = SwarmConfig.builder().bindAddress("127.0.0.1").build();
    try (RunningAgent a = new RunningAgent(tmp.resolve("agent"), loopback);
        Swarm leecher = Swarm.start(loopback.toBuilder().uploadEnabled(false).build())) {
      long cap = 1_000_000;
      long lower = 400_000;
      a.agent.policy().setSettings(new BandwidthSettings(cap, 0, 0, null, false, 1_000_000));
      Files.copy(original, a.agent.dataDir().cacheDir().resolve("seeded.pak"));
      Packs.grant(a, "UPLOAD_TO_PEERS");
      a.agent
          .transfers()
          .seed(new PackSource("seeded.pak", torrent, null, null, List.of(), null))
          .awaitCompletion(Duration.ofSeconds(60));
      int port = a.agent.transfers().listenPort();
      assertThat(port).isPositive();
      var job =
          leecher.add(
              TorrentJob.builder(torrent, tmp.resolve("leecher").resolve("seeded.pak"))
                  .announceUrl("")
                  .peers(List.of(new InetSocketAddress("127.0.0.1", port)))
                  .build());

      double first = measure(job::progress, 1000);
      a.agent.policy().setSettings(new BandwidthSettings(lower, 0, 0, null, false, 1_000_000));
      // Blocks already queued for the socket were charged at the old rate; the bucket pays that
      // debt at the new rate first (up to about a second's worth), so the window starts later.
      double second = measure(job::progress, 3000);
      System.out.printf(
          "upload cap %d B/s measured %.0f B/s; then %d B/s measured %.0f B/s%n",
          cap, first, lower, second);
      assertThat(first).isCloseTo(cap, within(cap * 0.10));
      assertThat(second).isCloseTo(lower, within(lower * 0.10));
      job.close();
    }
  }

  private static double measure(Transfer t) throws InterruptedException {
    return measure(t::progress, 1000);
  }

  /** Bytes received (peers + origin) per second over 10 s, after {@code settleMillis}. */
  private static double measure(java.util.function.Supplier<Progress> progress, long settleMillis)
      throws InterruptedException {
    Thread.sleep(settleMillis);
    long b0 = received(progress.get());
    long t0 = System.nanoTime();
    Thread.sleep(10_000);
    long b1 = received(progress.get());
    long t1 = System.nanoTime();
    assertThat(progress.get().isComplete()).as("still downloading while measured").isFalse();
    return (b1 - b0) * 1e9 / (t1 - t0);
  }

  private static long received(Progress p) {
    return p.fromPeers() + p.fromOrigin();
  }
}
