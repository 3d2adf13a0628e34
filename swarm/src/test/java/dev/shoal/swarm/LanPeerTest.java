package dev.shoal.swarm;

import static dev.shoal.swarm.Fixtures.addressOf;
import static dev.shoal.swarm.Fixtures.seed;
import static dev.shoal.swarm.Fixtures.trackerless;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Torrents;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two players on one LAN (as Delivery Optimization treats them): the one that has the pack delivers
 * it to the other, not held to the upload cap meant for its uplink and asked before the internet
 * peers and the origin seeder, however fast the origin is; and with its upload consent withdrawn it
 * sends nothing more, LAN or not. On loopback, the "LAN" is 127.0.0.2 and 127.0.0.1 named in {@link
 * SwarmConfig#lanNetworks} (every peer of the other tests is on 127.0.0.1, where nothing is LAN).
 */
class LanPeerTest {
  @TempDir Path dir;

  private static final long ORIGIN_RATE = 20_000_000;
  private static final long UPLINK = 1_000_000;

  @Test
  void theLanNeighbourDeliversMostBytesWhileTheOriginIsFast() throws Exception {
    Outcome o = lanRun("lan.bin", 48L << 20, true);
    // Asked by rarity with its upload capped like an uplink, the neighbour sent about 1/20 (the
    // origin's 20 MB/s against its 1 MB/s); in the lab, 21%. Now it is asked first and deepest;
    // the origin is left out only once it has been measured for a second (peers only add), so
    // the origin sends a share in the first second of this download of 48 MiB over loopback.
    assertThat(o.fromNeighbour())
        .as("bytes from the LAN neighbour")
        .isGreaterThan(o.size() * 3 / 4);
    // Its 1 MB/s cap would have needed 48 s for the pack.
    assertThat(o.seconds()).isLessThan(8.0);
  }

  /**
   * A player whose upload consent predates the text that says LAN peers may get more than the cap
   * keeps its promise: the neighbour sends at its cap, and the origin fills the rest at once.
   */
  @Test
  void aNeighbourThatDidNotAgreeToUncappedLanUploadsKeepsItsCap() throws Exception {
    Outcome o = lanRun("capped.bin", 16L << 20, false);
    assertThat(o.fromNeighbour())
        .as("bytes from the capped LAN neighbour")
        .isLessThan((long) (UPLINK * (o.seconds() + 2)));
    assertThat(o.seconds()).as("the origin fills what the neighbour cannot").isLessThan(8.0);
  }

  private record Outcome(long size, long fromNeighbour, double seconds) {}

  private Outcome lanRun(String name, long bytes, boolean lanUncapped) throws Exception {
    Path data = GameBuilds.randomFile(dir, name, bytes, 7);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    long size = Files.size(data);
    List<Swarm> swarms = new ArrayList<>();
    try {
      Swarm origin = start(swarms, Fixtures.originSeeder(ORIGIN_RATE));
      seed(origin, trackerless(torrent, data));
      Swarm wan = start(swarms, player("127.0.0.3", List.of()));
      seed(wan, trackerless(torrent, data));
      // The neighbour sees the leecher's connection from 127.0.0.1: its LAN.
      Swarm neighbour = start(swarms, player("127.0.0.2", List.of("127.0.0.1/32")));
      neighbour.setLanUploadsUncapped(lanUncapped);
      TorrentHandle lanSeed = seed(neighbour, trackerless(torrent, data));
      Swarm leecher = start(swarms, player("127.0.0.1", List.of("127.0.0.2/32")));

      long t0 = System.nanoTime();
      TorrentHandle h =
          leecher.add(
              trackerless(torrent, dir.resolve("leecher/" + name))
                  .peers(
                      List.of(
                          addressOf(origin),
                          new InetSocketAddress("127.0.0.3", wan.listenPort()),
                          new InetSocketAddress("127.0.0.2", neighbour.listenPort())))
                  .build());
      h.awaitCompletion(Duration.ofSeconds(60));
      double took = (System.nanoTime() - t0) / 1e9;
      long fromNeighbour = neighbour.onEngine(e -> lanSeed.torrent().uploaded.total());
      Progress p = h.progress();
      System.out.printf(
          Locale.ROOT,
          "took %.2f s; from the LAN neighbour %.3f, from the origin %.3f, from peers %.3f%n",
          took,
          fromNeighbour / (double) size,
          p.fromOrigin() / (double) size,
          p.fromPeers() / (double) size);
      assertThat(Files.mismatch(data, dir.resolve("leecher/" + name))).isEqualTo(-1L);
      return new Outcome(size, fromNeighbour, took);
    } finally {
      swarms.forEach(Swarm::close);
    }
  }

  @Test
  void withoutUploadConsentTheLanNeighbourSendsNothingMore() throws Exception {
    Path data = GameBuilds.randomFile(dir, "consent.bin", 16L << 20, 8);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    List<Swarm> swarms = new ArrayList<>();
    try {
      Swarm origin = start(swarms, Fixtures.originSeeder(ORIGIN_RATE));
      seed(origin, trackerless(torrent, data));
      Swarm neighbour = start(swarms, player("127.0.0.2", List.of("127.0.0.1/32")));
      neighbour.setLanUploadsUncapped(true); // agreed to it: consent still decides
      TorrentHandle lanSeed = seed(neighbour, trackerless(torrent, data));
      // The leecher's download cap (LAN bytes are charged too) makes the transfer last ~8 s.
      Swarm leecher =
          start(
              swarms,
              player("127.0.0.1", List.of("127.0.0.2/32")).toBuilder()
                  .globalDownCap(2_000_000)
                  .build());
      TorrentHandle h =
          leecher.add(
              trackerless(torrent, dir.resolve("leecher/consent.bin"))
                  .peers(
                      List.of(
                          addressOf(origin),
                          new InetSocketAddress("127.0.0.2", neighbour.listenPort())))
                  .build());
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (sent(neighbour, lanSeed) < (1 << 20) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(sent(neighbour, lanSeed)).as("the neighbour sends at first").isPositive();
      neighbour.setUploadEnabled(false);
      long atWithdrawal = sent(neighbour, lanSeed);
      h.awaitCompletion(Duration.ofSeconds(60));
      assertThat(Files.mismatch(data, dir.resolve("leecher/consent.bin"))).isEqualTo(-1L);
      // Counted when a block is put into the socket buffer: after the withdrawal nothing more is.
      assertThat(sent(neighbour, lanSeed)).isEqualTo(atWithdrawal);
      assertThat(atWithdrawal).isLessThan(data.toFile().length() / 2);
    } finally {
      swarms.forEach(Swarm::close);
    }
  }

  /** Payload bytes the seed has put into its peers' sockets, read on its engine thread. */
  private static long sent(Swarm swarm, TorrentHandle seed) throws Exception {
    return swarm.onEngine(e -> seed.torrent().uploaded.total());
  }

  /** A player whose internet uplink is capped at 1 MB/s, listening on {@code address}. */
  private static SwarmConfig player(String address, List<String> lan) {
    return SwarmConfig.builder().bindAddress(address).globalUpCap(UPLINK).lanNetworks(lan).build();
  }

  private static Swarm start(List<Swarm> swarms, SwarmConfig config) throws Exception {
    Swarm s = Swarm.start(config);
    swarms.add(s);
    return s;
  }
}
