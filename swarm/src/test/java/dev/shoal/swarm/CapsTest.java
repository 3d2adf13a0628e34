package dev.shoal.swarm;

import static dev.shoal.swarm.Fixtures.addressOf;
import static dev.shoal.swarm.Fixtures.seed;
import static dev.shoal.swarm.Fixtures.trackerless;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Torrents;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token-bucket caps, measured over 10 s windows at the receiving end (±10 %). */
@Tag("slow")
class CapsTest {
  @TempDir Path dir;

  @Test
  void downloadAndUploadCapsHoldAndCanBeChangedWhileRunning() throws Exception {
    Path data = GameBuilds.randomFile(dir, "c.bin", 96L << 20, 12);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    try (Swarm seeder = Swarm.start(Fixtures.loopback().build());
        Swarm leecher = Swarm.start(Fixtures.loopback().build())) {
      seed(seeder, trackerless(torrent, data));
      long down = 3L << 20;
      TorrentHandle h =
          leecher.add(
              trackerless(torrent, dir.resolve("out/c.bin"))
                  .downCap(down)
                  .peers(List.of(addressOf(seeder)))
                  .build());
      double perTorrentDown = measure(h, 10);
      System.out.printf("torrent down cap %d B/s: measured %.0f B/s%n", down, perTorrentDown);
      assertThat(perTorrentDown).isBetween(down * 0.9, down * 1.1);

      // Lift the torrent cap and cap the seeder's global upload instead, while running.
      long up = 2L << 20;
      seeder.setGlobalCaps(up, 0);
      h.setCaps(0, 0);
      Thread.sleep(1000);
      double globalUp = measure(h, 10);
      System.out.printf("seeder global up cap %d B/s: measured %.0f B/s%n", up, globalUp);
      assertThat(globalUp).isBetween(up * 0.9, up * 1.1);
    }
  }

  /** Average payload rate into {@code h} over {@code seconds}. */
  private static double measure(TorrentHandle h, int seconds) throws InterruptedException {
    Thread.sleep(1000); // let the pipe settle
    long start = h.progress().fromPeers();
    long t0 = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    long bytes = h.progress().fromPeers() - start;
    return bytes / ((System.nanoTime() - t0) / 1e9);
  }
}
