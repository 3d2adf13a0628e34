package dev.shoal.swarm;

import static dev.shoal.swarm.Fixtures.seed;
import static dev.shoal.swarm.Fixtures.trackerless;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Loopback;
import dev.shoal.testsupport.Torrents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A complete torrent dials the peers that need its pieces, and dials again a peer that dropped it
 * while still lacking pieces: libtorrent leechers that cannot or will not dial us on the other
 * side.
 */
class SeedDiallingTest {
  private static final long SIZE = (8L << 20) + 333;
  @TempDir Path dir;

  private Path data;
  private byte[] torrent;
  private Path torrentFile;

  /** Where libtorrent downloads to. */
  private Path ltDir;

  /** The seed's payload, its torrent (announcing to {@code announce}, or none) and its file. */
  private void payload(String announce) throws Exception {
    data =
        GameBuilds.randomFile(
            Files.createDirectories(dir.resolve("seed")), "payload.bin", SIZE, 17);
    torrent = Torrents.of(data, 256 * 1024, announce);
    torrentFile = Files.write(dir.resolve("t.torrent"), torrent);
    ltDir = Files.createDirectories(dir.resolve("lt"));
  }

  @Test
  void seedDialsItsDirectPeerWithinASecond() throws Exception {
    payload(null);
    try (ExternalPeer lt = ExternalPeer.libtorrent("download", torrentFile, ltDir);
        // TCP: lt_peer.py runs libtorrent without uTP, which a uTP dial would wait 2 s for
        Swarm seeder = Swarm.start(Fixtures.loopback().utp(false).build())) {
      int port = Integer.parseInt(lt.await("PORT", Duration.ofSeconds(30)).split(" ")[1]);
      TorrentHandle seed =
          seeder.add(trackerless(torrent, data).peers(List.of(Loopback.address(port))).build());
      seed.awaitCompletion(Duration.ofSeconds(30)); // returns as the seed goes live
      long live = System.currentTimeMillis();
      // Within a second (with a margin for a busy machine), then libtorrent downloads everything.
      assertThat(millis(lt.await("CONNECTED", Duration.ofSeconds(10))) - live).isLessThan(2_000);
      lt.await("DONE", Duration.ofSeconds(30));
    }
    assertThat(Torrents.sha256(ltDir.resolve("payload.bin"))).isEqualTo(Torrents.sha256(data));
  }

  @Test
  void originSeederDialsThePlayersTheTrackerLists() throws Exception {
    try (TestTracker tracker = new TestTracker()) {
      // libtorrent announces once, finds nobody, and would not ask again for 60 s.
      tracker.interval = 60;
      payload(tracker.url("playerkey"));
      try (ExternalPeer lt = ExternalPeer.libtorrent("download", torrentFile, ltDir)) {
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> tracker.announces.stream().anyMatch(a -> a.passkey().equals("playerkey")));
        // TCP: lt_peer.py runs libtorrent without uTP, which a uTP dial would wait 2 s for
        SwarmConfig origin =
            Fixtures.loopback().role(SwarmConfig.Role.ORIGIN_SEEDER).utp(false).build();
        try (Swarm seeder = Swarm.start(origin)) {
          TorrentHandle seed =
              seeder.add(
                  TorrentJob.builder(torrent, data)
                      .announceUrl(tracker.pathUrl("originkey"))
                      .build());
          seed.awaitCompletion(Duration.ofSeconds(30));
          long live = System.currentTimeMillis();
          // The seeder announces, gets the player's address and dials it at once.
          assertThat(millis(lt.await("CONNECTED", Duration.ofSeconds(10))) - live)
              .isLessThan(3_000);
          lt.await("DONE", Duration.ofSeconds(20));
        }
      }
      assertThat(Torrents.sha256(ltDir.resolve("payload.bin"))).isEqualTo(Torrents.sha256(data));
    }
  }

  /**
   * libtorrent dials our seed, then blocks and forgets every peer for a second at a quarter of its
   * download (the same gap as its "uninteresting upload-only peer" disconnect: it would not come
   * back for a minute). It can finish only if the seed dials it again.
   */
  @Test
  void seedRedialsAPeerThatDroppedItWhileLackingPieces() throws Exception {
    payload(null);
    // TCP: lt_peer.py runs libtorrent without uTP, which a uTP dial would wait 2 s for
    try (Swarm seeder = Swarm.start(Fixtures.loopback().utp(false).build())) {
      seed(seeder, trackerless(torrent, data));
      try (ExternalPeer lt =
          ExternalPeer.libtorrent(
              "download",
              torrentFile,
              ltDir,
              "--peer",
              "127.0.0.1:" + seeder.listenPort(),
              "--down-cap",
              "2000000",
              "--drop-at",
              "0.25",
              "--drop-for",
              "1")) {
        long dropped = millis(lt.await("DROPPED", Duration.ofSeconds(30)));
        long back = millis(lt.await("CONNECTED", Duration.ofSeconds(15)));
        // Redialled within 5 s of the drop; it refused us for 1 s of it (with a margin).
        assertThat(back - dropped).isLessThan(8_000);
        lt.await("DONE", Duration.ofSeconds(30));
      }
    }
    assertThat(Torrents.sha256(ltDir.resolve("payload.bin"))).isEqualTo(Torrents.sha256(data));
  }

  static long millis(String line) {
    return Long.parseLong(line.split(" ")[1]);
  }
}
