package dev.shoal.swarm;

import static dev.shoal.swarm.Fixtures.addressOf;
import static dev.shoal.swarm.Fixtures.fetch;
import static dev.shoal.swarm.Fixtures.seed;
import static dev.shoal.swarm.Fixtures.trackerless;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Torrents;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two and more instances of our own engine over loopback. */
class SwarmLoopbackTest {
  @TempDir Path dir;

  @Test
  void downloadsFromOwnSeeder() throws Exception {
    Path data = GameBuilds.randomFile(dir, "payload.bin", 24L << 20 | 12345, 1);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    try (Swarm seeder = Swarm.start(Fixtures.loopback().build());
        Swarm leecher = Swarm.start(Fixtures.loopback().build())) {
      TorrentHandle seed = seed(seeder, trackerless(torrent, data));
      Path out = dir.resolve("out/payload.bin");
      TorrentHandle h = fetch(leecher, torrent, out, addressOf(seeder));
      Progress p = h.awaitCompletion(Duration.ofSeconds(60));
      assertThat(p.isComplete()).isTrue();
      assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
      assertThat(p.fromOrigin()).isZero();
      assertThat(p.fromPeers()).isGreaterThanOrEqualTo(p.total());
      // Seeding needs no piece arrays: the recycled ones are let go (the agent's heap is 32 MiB).
      assertThat(h.torrent().pieceArraysHeld()).isZero();
    }
  }
}
