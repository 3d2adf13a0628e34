package dev.shoal.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Loopback;
import dev.shoal.testsupport.Torrents;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
      TorrentHandle seed = seeder.add(TorrentJob.builder(torrent, data).announceUrl("").build());
      seed.awaitCompletion(Duration.ofSeconds(30));
      Path out = dir.resolve("out/payload.bin");
      TorrentHandle h =
          leecher.add(
              TorrentJob.builder(torrent, out)
                  .announceUrl("")
                  .peers(List.of(Loopback.address(seeder.listenPort())))
                  .build());
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
