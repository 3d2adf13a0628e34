package dev.shoal.swarm;

import static dev.shoal.swarm.Fixtures.fetch;
import static dev.shoal.swarm.Fixtures.seed;
import static dev.shoal.swarm.Fixtures.trackerless;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Torrents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two of our engines on loopback, one seeder and one leecher: the same torrent over TCP (uTP off,
 * the baseline) and over uTP, measured in this run, three rounds each, best of each. The last line
 * is the ratio. Loopback has no queue for LEDBAT to react to: this is the cost of uTP's user-space
 * stack, not what a home line gives.
 */
@Tag("benchmark")
class UtpBenchmark {
  private static final long SIZE = 128L << 20;
  @TempDir Path dir;

  @Test
  void utpAgainstTcpOnLoopback() throws Exception {
    Path data = GameBuilds.randomFile(dir, "game.bin", SIZE, 77);
    byte[] torrent = Torrents.of(data, 1 << 20, null);
    double tcp = 0;
    double utp = 0;
    for (int round = 0; round < 3; round++) {
      tcp = Math.max(tcp, rate(torrent, data, false, round));
      utp = Math.max(utp, rate(torrent, data, true, round));
    }
    System.out.printf(
        Locale.ROOT,
        "loopback, %d MiB: tcp %.1f MB/s, utp %.1f MB/s, load %s%n",
        SIZE >> 20,
        tcp / 1e6,
        utp / 1e6,
        Files.readString(Path.of("/proc/loadavg")).trim());
    System.out.printf(Locale.ROOT, "utp_vs_tcp=%.3f%n", utp / tcp);
  }

  private double rate(byte[] torrent, Path data, boolean utp, int round) throws Exception {
    try (Swarm seeder = Swarm.start(Fixtures.loopback().utp(utp).build());
        Swarm leecher = Swarm.start(Fixtures.loopback().utp(utp).build())) {
      seed(seeder, trackerless(torrent, data));
      Path out = dir.resolve("out-" + utp + "-" + round + "/game.bin");
      long start = System.nanoTime();
      fetch(leecher, torrent, out, Fixtures.addressOf(seeder))
          .awaitCompletion(Duration.ofSeconds(120));
      double rate = SIZE / ((System.nanoTime() - start) / 1e9);
      assertThat(Files.size(out)).isEqualTo(SIZE);
      Files.delete(out);
      return rate;
    }
  }
}
