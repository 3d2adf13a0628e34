package dev.shoal.swarm;

import static dev.shoal.swarm.Fixtures.fetch;
import static dev.shoal.swarm.Fixtures.seed;
import static dev.shoal.swarm.Fixtures.trackerless;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Loopback;
import dev.shoal.testsupport.Torrents;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our engine against real libtorrent 2.0 and aria2 1.36 processes on loopback, both ways. */
class InteropTest {
  private static final long SIZE = (16L << 20) + 7777;
  @TempDir Path dir;

  private Path seedDir() throws Exception {
    Path s = Files.createDirectories(dir.resolve("seed"));
    GameBuilds.randomFile(s, "payload.bin", SIZE, 42);
    return s;
  }

  /** The torrent of the seed's payload, written to {@code file} for the other client too. */
  private static byte[] writeTorrent(Path seed, String announce, Path file) throws IOException {
    byte[] torrent = Torrents.of(seed.resolve("payload.bin"), 256 * 1024, announce);
    Files.write(file, torrent);
    return torrent;
  }

  /** Downloads the payload from {@code peer} alone and checks it is the seed's, bit for bit. */
  private void downloadFrom(InetSocketAddress peer, Swarm swarm, byte[] torrent, Path seed)
      throws Exception {
    Path out = dir.resolve("out/payload.bin");
    fetch(swarm, torrent, out, peer).awaitCompletion(Duration.ofSeconds(60));
    assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(seed.resolve("payload.bin")));
  }

  @Test
  void downloadsFromLibtorrentSeeder() throws Exception {
    Path s = seedDir();
    Path torrentFile = dir.resolve("t.torrent");
    byte[] torrent = writeTorrent(s, null, torrentFile);
    try (ExternalPeer lt = ExternalPeer.libtorrent("seed", torrentFile, s);
        Swarm swarm = Swarm.start(Fixtures.loopback().build())) {
      int port = Integer.parseInt(lt.await("PORT", Duration.ofSeconds(30)).split(" ")[1]);
      downloadFrom(Loopback.address(port), swarm, torrent, s);
    }
  }

  @Test
  void libtorrentDownloadsFromUs() throws Exception {
    Path s = seedDir();
    Path torrentFile = dir.resolve("t.torrent");
    byte[] torrent = writeTorrent(s, null, torrentFile);
    try (Swarm swarm = Swarm.start(Fixtures.loopback().build())) {
      TorrentHandle seed = seed(swarm, trackerless(torrent, s.resolve("payload.bin")));
      Path d = Files.createDirectories(dir.resolve("lt"));
      try (ExternalPeer lt =
          ExternalPeer.libtorrent(
              "download", torrentFile, d, "--peer", "127.0.0.1:" + swarm.listenPort())) {
        lt.await("DONE", Duration.ofSeconds(60));
      }
      assertThat(Torrents.sha256(d.resolve("payload.bin")))
          .isEqualTo(Torrents.sha256(s.resolve("payload.bin")));
      // progress() is a snapshot refreshed every 100 ms
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> seed.progress().uploaded() >= SIZE);
    }
  }

  @Test
  void downloadsFromAria2Seeder() throws Exception {
    Path s = seedDir();
    Path torrentFile = dir.resolve("t.torrent");
    byte[] torrent = writeTorrent(s, null, torrentFile);
    int ariaPort = Loopback.freePort();
    try (ExternalPeer aria = ExternalPeer.aria2(torrentFile, s, ariaPort, true);
        Swarm swarm = Swarm.start(Fixtures.loopback().build())) {
      downloadFrom(Loopback.address(ariaPort), swarm, torrent, s);
    }
  }

  @Test
  void aria2DownloadsFromUsViaTracker() throws Exception {
    Path s = seedDir();
    try (TestTracker tracker = new TestTracker();
        Swarm swarm = Swarm.start(Fixtures.loopback().build())) {
      tracker.interval = 2;
      Path torrentFile = dir.resolve("t.torrent");
      byte[] torrent = writeTorrent(s, tracker.url("aria2key"), torrentFile);
      seed(
          swarm,
          TorrentJob.builder(torrent, s.resolve("payload.bin"))
              .announceUrl(tracker.pathUrl("seederkey")));
      Path d = Files.createDirectories(dir.resolve("aria"));
      try (ExternalPeer aria = ExternalPeer.aria2(torrentFile, d, Loopback.freePort(), false)) {
        assertThat(aria.exitCode(Duration.ofSeconds(90))).as(aria.log.toString()).isZero();
      }
      assertThat(Torrents.sha256(d.resolve("payload.bin")))
          .isEqualTo(Torrents.sha256(s.resolve("payload.bin")));
      assertThat(tracker.announces).anyMatch(a -> a.passkey().equals("seederkey"));
    }
  }
}
