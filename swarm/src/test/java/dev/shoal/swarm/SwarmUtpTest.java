package dev.shoal.swarm;

import static dev.shoal.swarm.Fixtures.fetch;
import static dev.shoal.swarm.Fixtures.seed;
import static dev.shoal.swarm.Fixtures.trackerless;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Loopback;
import dev.shoal.testsupport.Torrents;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Two of our engines over uTP on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SwarmUtpTest {
  private static final long SIZE = (12L << 20) + 4321;
  @TempDir Path dir;

  /**
   * The leecher knows the seeder only as a UDP relay's port, where nothing listens for TCP: the
   * torrent can only come over uTP.
   */
  @Test
  void transfersATorrentOverUtpWhenTcpIsBlocked() throws Exception {
    Path data = GameBuilds.randomFile(dir, "game.bin", SIZE, 7);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    try (Swarm seeder = Swarm.start(Fixtures.loopback().utp(true).build());
        Swarm leecher = Swarm.start(Fixtures.loopback().utp(true).build())) {
      seed(seeder, trackerless(torrent, data));
      try (UdpRelay relay = new UdpRelay(Fixtures.addressOf(seeder), 0, 0, 0, 1)) {
        Path out = dir.resolve("out/game.bin");
        long start = System.nanoTime();
        TorrentHandle h = fetch(leecher, torrent, out, Loopback.address(relay.port()));
        Set<String> leecherSide = new HashSet<>();
        Set<String> seederSide = new HashSet<>();
        while (!h.progress().isComplete()) {
          // peers part once both are seeds: look while the download runs
          leecherSide.addAll(leecher.peerTransports());
          seederSide.addAll(seeder.peerTransports());
          Thread.sleep(5);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("engine over uTP: %.1f MB/s%n", SIZE / seconds / 1e6);
        assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
        assertThat(leecherSide).containsExactly("utp");
        assertThat(seederSide).containsExactly("utp");
      }
    }
  }

  /** A LAN peer is dialled over TCP at once, though it speaks uTP. */
  @Test
  void lanPeersAreDialledOverTcp() throws Exception {
    Path data = GameBuilds.randomFile(dir, "game.bin", 1 << 20, 9);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    try (Swarm seeder = Swarm.start(Fixtures.loopback().utp(true).build());
        Swarm leecher =
            Swarm.start(
                Fixtures.loopback()
                    .utp(true)
                    .lanNetworks(java.util.List.of("127.0.0.1/32"))
                    .build())) {
      // capped, so the connection lasts long enough to be seen (peers part once both are seeds)
      seed(seeder, trackerless(torrent, data).upCap(2 << 20));
      Path out = dir.resolve("out/game.bin");
      TorrentHandle h = fetch(leecher, torrent, out, Fixtures.addressOf(seeder));
      Set<String> transports = Fixtures.transportsWhileDownloading(leecher, h);
      assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
      assertThat(transports).containsExactly("tcp");
    }
  }

  /**
   * A peer without uTP answers no SYN: TCP is dialled beside it after the head start and wins, well
   * before the uTP dial would be given up.
   */
  @Test
  void racesTcpWhenTheSynGoesUnanswered() throws Exception {
    Path data = GameBuilds.randomFile(dir, "game.bin", 1 << 20, 8);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    try (Swarm seeder = Swarm.start(Fixtures.loopback().utp(false).build());
        Swarm leecher = Swarm.start(Fixtures.loopback().utp(true).build())) {
      // capped, so the connection lasts long enough to be seen (peers part once both are seeds)
      seed(seeder, trackerless(torrent, data).upCap(2 << 20));
      Path out = dir.resolve("out/game.bin");
      long start = System.nanoTime();
      TorrentHandle h = fetch(leecher, torrent, out, Fixtures.addressOf(seeder));
      Set<String> transports = new HashSet<>();
      long connected = 0;
      while (!h.progress().isComplete()) {
        transports.addAll(leecher.peerTransports());
        if (connected == 0 && !transports.isEmpty()) {
          connected = System.nanoTime() - start;
        }
        Thread.sleep(5);
      }
      assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
      assertThat(transports).containsExactly("tcp");
      assertThat(connected)
          .isGreaterThanOrEqualTo(Engine.UTP_HEAD_START)
          .isLessThan(Engine.UTP_HEAD_START + Engine.UTP_FALLBACK / 2);
      assertThat(leecher.peerTransports()).hasSizeLessThanOrEqualTo(1);

      // The engine remembers: the next dial to that peer goes over TCP at once.
      Path data2 = GameBuilds.randomFile(dir, "patch.bin", 1 << 20, 18);
      byte[] torrent2 = Torrents.of(data2, 256 * 1024, null);
      seed(seeder, trackerless(torrent2, data2).upCap(2 << 20));
      long again = System.nanoTime();
      TorrentHandle h2 =
          fetch(leecher, torrent2, dir.resolve("out2/patch.bin"), Fixtures.addressOf(seeder));
      while (h2.progress().peers() == 0 && !h2.progress().isComplete()) {
        Thread.sleep(5);
      }
      assertThat(System.nanoTime() - again).isLessThan(Engine.UTP_HEAD_START);
    }
  }

  /**
   * Leech-only, an engine still dials over uTP; once uploads are on, TCP and uTP listen on the
   * configured port, even when that port's UDP number was taken while leeching.
   */
  @Test
  void uploadsSwitchedOnListenOnTheConfiguredPortOverBoth() throws Exception {
    int port = Loopback.freePort();
    try (Swarm s =
        Swarm.start(Fixtures.loopback().utp(true).uploadEnabled(false).listenPort(port).build())) {
      assertThat(s.listenPort()).isZero();
      s.setUploadEnabled(true);
      assertThat(s.listenPort()).isEqualTo(port);
      assertThat(udpTaken(port)).isTrue();
    }
    int other = Loopback.freePort();
    try (DatagramSocket squatter = new DatagramSocket(new InetSocketAddress("127.0.0.1", other));
        Swarm s =
            Swarm.start(
                Fixtures.loopback().utp(true).uploadEnabled(false).listenPort(other).build())) {
      squatter.close();
      s.setUploadEnabled(true);
      assertThat(s.listenPort()).isEqualTo(other);
      assertThat(udpTaken(other)).isTrue();
    }
  }

  private static boolean udpTaken(int port) {
    try (DatagramSocket d = new DatagramSocket(new InetSocketAddress("127.0.0.1", port))) {
      return false;
    } catch (java.net.SocketException e) {
      return true;
    }
  }
}
