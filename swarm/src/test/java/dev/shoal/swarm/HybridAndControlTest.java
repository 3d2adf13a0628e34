package dev.shoal.swarm;

import static dev.shoal.swarm.Fixtures.addressOf;
import static dev.shoal.swarm.Fixtures.fetch;
import static dev.shoal.swarm.Fixtures.seed;
import static dev.shoal.swarm.Fixtures.trackerless;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Loopback;
import dev.shoal.testsupport.RangeOrigin;
import dev.shoal.testsupport.Torrents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Origin fallback, leech-only mode, resume, tracker re-announce after a seeder restart. */
class HybridAndControlTest {
  @TempDir Path dir;

  @Test
  void downloadsFromOriginAloneWhenNoPeerExists() throws Exception {
    Path data = GameBuilds.randomFile(dir, "pack.bin", (6L << 20) + 999, 7);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    try (RangeOrigin origin = new RangeOrigin(data);
        Swarm swarm = Swarm.start(Fixtures.loopback().build())) {
      Path out = dir.resolve("out/pack.bin");
      TorrentHandle h =
          swarm.add(trackerless(torrent, out).webSeeds(List.of(origin.uri())).build());
      Progress p = h.awaitCompletion(Duration.ofSeconds(60));
      assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
      assertThat(p.fromPeers()).isZero();
      assertThat(p.fromOrigin()).isEqualTo(Files.size(data));
      assertThat(origin.rangeRequests()).isEqualTo(p.pieceCount());
    }
  }

  /**
   * A copy of the first half of {@code data} in {@code partial/}, for a seeder that has only it.
   */
  private Path firstHalfOf(Path data) throws IOException {
    Path partial = Files.createDirectories(dir.resolve("partial")).resolve(data.getFileName());
    byte[] all = Files.readAllBytes(data);
    return Files.write(partial, java.util.Arrays.copyOf(all, all.length / 2));
  }

  @Test
  void originFillsInThePiecesNoPeerHas() throws Exception {
    Path data = GameBuilds.randomFile(dir, "pack.bin", 4L << 20, 8);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    // A partial seeder: only the first half of the file is present and verified.
    Path partial = firstHalfOf(data);
    try (RangeOrigin origin = new RangeOrigin(data);
        Swarm peer = Swarm.start(Fixtures.loopback().build());
        Swarm swarm =
            Swarm.start(
                Fixtures.loopback()
                    .originFallbackAfter(Duration.ofSeconds(30))
                    .originMinPeerRate(0)
                    .build())) {
      TorrentHandle p1 = peer.add(trackerless(torrent, partial).build());
      await().atMost(Duration.ofSeconds(20)).until(() -> p1.progress().piecesVerified() == 8);
      Path out = dir.resolve("out/pack.bin");
      TorrentHandle h =
          swarm.add(
              trackerless(torrent, out)
                  .peers(List.of(addressOf(peer)))
                  .webSeeds(List.of(origin.uri()))
                  .build());
      Progress p = h.awaitCompletion(Duration.ofSeconds(60));
      assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
      assertThat(p.fromOrigin()).isEqualTo(2L << 20); // exactly the pieces nobody had
      assertThat(p.fromPeers()).isGreaterThanOrEqualTo(2L << 20);
    }
  }

  /**
   * The origin seeder is 8x faster than the player who has the first half: the slow player adds
   * what its upload can carry and holds nothing back. Asked only for pieces no other peer had (the
   * old rule), the seeder sent the second half in a second and the download then waited 8 s on the
   * player's 500 KB/s for the first half, four times the origin-alone time.
   */
  @Test
  void aSlowPeerAddsToTheOriginSeederAndHoldsNothingBack() throws Exception {
    Path data = GameBuilds.randomFile(dir, "pack.bin", 8L << 20, 9);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    Path partial = firstHalfOf(data);
    long originRate = 4_000_000;
    try (Swarm origin =
            Swarm.start(
                Fixtures.loopback()
                    .role(SwarmConfig.Role.ORIGIN_SEEDER)
                    .globalUpCap(originRate)
                    .build());
        Swarm player = Swarm.start(Fixtures.loopback().globalUpCap(500_000).build());
        Swarm swarm = Swarm.start(Fixtures.loopback().build())) {
      seed(origin, trackerless(torrent, data));
      TorrentHandle p1 = player.add(trackerless(torrent, partial).build());
      await().atMost(SECONDS_30).until(() -> p1.progress().piecesVerified() == 16);
      Path out = dir.resolve("out/pack.bin");
      long start = System.nanoTime();
      TorrentHandle h = fetch(swarm, torrent, out, addressOf(origin), addressOf(player));
      Progress p = h.awaitCompletion(Duration.ofSeconds(60));
      double took = (System.nanoTime() - start) / 1e9;
      double alone = (8L << 20) / (double) originRate;
      System.out.printf("took %.1f s (origin alone %.1f s): %s%n", took, alone, p);
      assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
      // Within the origin-alone time, with a margin for a loaded machine (the old rule: 4x).
      assertThat(took).as(p.toString()).isLessThan(1.25 * alone + 2);
      assertThat(p.fromPeers()).as("the slow player added").isPositive();
    }
  }

  private static final Duration SECONDS_30 = Duration.ofSeconds(30);

  @Test
  void leechOnlySendsNoPayloadAndUploadCanBeSwitchedBackOn() throws Exception {
    Path data = GameBuilds.randomFile(dir, "p.bin", 4L << 20, 9);
    byte[] torrent = Torrents.of(data, 128 * 1024, null);
    try (Swarm seeder = Swarm.start(Fixtures.loopback().build());
        Swarm leechOnly = Swarm.start(Fixtures.loopback().uploadEnabled(false).build());
        Swarm other = Swarm.start(Fixtures.loopback().build())) {
      seed(seeder, trackerless(torrent, data).upCap(2 << 20));
      // "other" wants the data too, and the leech-only node dials it: it must never serve it.
      TorrentHandle otherHandle =
          other.add(trackerless(torrent, dir.resolve("other/p.bin")).build());
      assertThat(leechOnly.listenPort()).isZero();
      TorrentHandle h =
          fetch(leechOnly, torrent, dir.resolve("lo/p.bin"), addressOf(seeder), addressOf(other));
      h.awaitCompletion(Duration.ofSeconds(60));
      assertThat(h.progress().uploaded()).isZero();
      assertThat(otherHandle.progress().fromPeers()).isZero();
      assertThat(otherHandle.progress().piecesVerified()).isZero();

      leechOnly.setUploadEnabled(true);
      int port = leechOnly.listenPort();
      assertThat(port).isPositive();
      try (Swarm late = Swarm.start(Fixtures.loopback().build())) {
        fetch(late, torrent, dir.resolve("late/p.bin"), Loopback.address(port))
            .awaitCompletion(Duration.ofSeconds(60));
        assertThat(Torrents.sha256(dir.resolve("late/p.bin"))).isEqualTo(Torrents.sha256(data));
      }
      long size = Files.size(data);
      await().atMost(Duration.ofSeconds(5)).until(() -> h.progress().uploaded() == size);
    }
  }

  @Test
  void resumeReusesVerifiedPiecesAfterRestart() throws Exception {
    Path data = GameBuilds.randomFile(dir, "r.bin", 8L << 20, 10);
    byte[] torrent = Torrents.of(data, 128 * 1024, null);
    Path out = dir.resolve("out/r.bin");
    Path resume = dir.resolve("out/r.resume");
    try (Swarm seeder = Swarm.start(Fixtures.loopback().build())) {
      TorrentHandle seed = seed(seeder, trackerless(torrent, data).upCap(4 << 20));
      TorrentJob job =
          trackerless(torrent, out)
              .resumeFile(resume)
              .recheckExisting(false)
              .peers(List.of(addressOf(seeder)))
              .build();
      int before;
      try (Swarm first = Swarm.start(Fixtures.loopback().build())) {
        TorrentHandle h = first.add(job);
        await().atMost(Duration.ofSeconds(30)).until(() -> h.progress().piecesVerified() >= 20);
        before = h.progress().piecesVerified();
      } // close() saves the resume state
      assertThat(Files.exists(resume)).isTrue();
      seed.setCaps(0, 0);
      try (Swarm second = Swarm.start(Fixtures.loopback().build())) {
        TorrentHandle h = second.add(job);
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> h.progress().state() != Progress.State.CHECKING);
        Progress p = h.awaitCompletion(Duration.ofSeconds(60));
        long resumedBytes = (long) before * 128 * 1024;
        assertThat(p.fromPeers()).isLessThanOrEqualTo(Files.size(data) - resumedBytes + (2 << 20));
      }
      assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
    }
  }

  @Test
  void restartedSeederIsFoundAgainThroughThePromptReannounce() throws Exception {
    Path data = GameBuilds.randomFile(dir, "s.bin", 12L << 20, 11);
    try (TestTracker tracker = new TestTracker()) {
      tracker.interval = 1800; // only the "all peers gone" re-announce can find the new seeder
      byte[] torrent = Torrents.of(data, 128 * 1024, tracker.url("leecher"));
      Swarm seeder = Swarm.start(Fixtures.loopback().build());
      // Leech-only, so it cannot be dialled (as behind NAT): a seed dials the players the tracker
      // lists, and the restarted seeder would otherwise find the leecher by itself.
      try (Swarm leecher = Swarm.start(Fixtures.loopback().uploadEnabled(false).build())) {
        seeder
            .add(
                TorrentJob.builder(torrent, data)
                    .announceUrl(tracker.pathUrl("seeder1"))
                    .upCap(3 << 20)
                    .build())
            .awaitCompletion(Duration.ofSeconds(30));
        TorrentHandle h = leecher.add(TorrentJob.of(torrent, dir.resolve("out/s.bin")));
        await().atMost(Duration.ofSeconds(30)).until(() -> h.progress().piecesVerified() > 20);
        seeder.close(); // "crash": the leecher loses its only peer mid-transfer
        assertThat(h.progress().isComplete()).isFalse();
        seeder = Swarm.start(Fixtures.loopback().build()); // new process, new port
        seeder.add(
            TorrentJob.builder(torrent, data).announceUrl(tracker.pathUrl("seeder2")).build());
        h.awaitCompletion(Duration.ofSeconds(60));
        assertThat(Torrents.sha256(dir.resolve("out/s.bin"))).isEqualTo(Torrents.sha256(data));
        assertThat(tracker.announces)
            .filteredOn(a -> a.passkey().equals("leecher"))
            .extracting(TestTracker.Seen::event)
            .contains(
                AnnounceRequest.Event.STARTED,
                AnnounceRequest.Event.NONE,
                AnnounceRequest.Event.COMPLETED);
      } finally {
        seeder.close();
      }
    }
  }

  /** Withdrawn upload consent must reach the tracker at once, not at the next interval. */
  @Test
  void switchingUploadsOffAndOnTellsTheTrackerAtOnce() throws Exception {
    Path data = GameBuilds.randomFile(dir, "u.bin", 1L << 20, 12);
    try (TestTracker tracker = new TestTracker();
        Swarm seeder = Swarm.start(Fixtures.loopback().build())) {
      tracker.interval = 1800; // a complete seeder would otherwise not announce for 30 minutes
      byte[] torrent = Torrents.of(data, 128 * 1024, tracker.url("seeder"));
      seeder.add(TorrentJob.of(torrent, data)).awaitCompletion(Duration.ofSeconds(30));
      await().atMost(Duration.ofSeconds(10)).until(() -> !tracker.announces.isEmpty());
      assertThat(lastAnnounce(tracker).upload()).isTrue();

      seeder.setUploadEnabled(false);
      await().atMost(Duration.ofSeconds(5)).until(() -> !lastAnnounce(tracker).upload());
      assertThat(lastAnnounce(tracker).event()).isEqualTo(AnnounceRequest.Event.NONE);

      seeder.setUploadEnabled(true);
      await().atMost(Duration.ofSeconds(5)).until(() -> lastAnnounce(tracker).upload());
    }
  }

  /**
   * The announce names the listening endpoint as the LAN one (for peers behind the same router) and
   * the router's mapped port, once there is one, as the port; a new mapping is announced at once.
   */
  @Test
  void theAnnounceCarriesTheLanEndpointAndTheMappedPort() throws Exception {
    Path data = GameBuilds.randomFile(dir, "m.bin", 1L << 20, 13);
    try (TestTracker tracker = new TestTracker();
        Swarm seeder = Swarm.start(Fixtures.loopback().build())) {
      tracker.interval = 1800;
      byte[] torrent = Torrents.of(data, 128 * 1024, tracker.url("seeder"));
      seeder.add(TorrentJob.of(torrent, data)).awaitCompletion(Duration.ofSeconds(30));
      await().atMost(Duration.ofSeconds(10)).until(() -> !tracker.announces.isEmpty());
      String listen = Integer.toString(seeder.listenPort());
      assertThat(lastAnnounce(tracker).param("port")).isEqualTo(listen);
      assertThat(lastAnnounce(tracker).param("lanip")).isEqualTo("127.0.0.1");
      assertThat(lastAnnounce(tracker).param("lanport")).isEqualTo(listen);

      seeder.setMappedPort(40123);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> "40123".equals(lastAnnounce(tracker).param("port")));
      assertThat(lastAnnounce(tracker).param("lanport")).isEqualTo(listen);

      seeder.setMappedPort(0);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> listen.equals(lastAnnounce(tracker).param("port")));
    }
  }

  private static TestTracker.Seen lastAnnounce(TestTracker tracker) {
    return tracker.announces.get(tracker.announces.size() - 1);
  }

  @Test
  void pauseStopsTransferAndResumeFinishesIt() throws Exception {
    Path data = GameBuilds.randomFile(dir, "pz.bin", 8L << 20, 15);
    byte[] torrent = Torrents.of(data, 128 * 1024, null);
    try (Swarm seeder = Swarm.start(Fixtures.loopback().build());
        Swarm leecher = Swarm.start(Fixtures.loopback().build())) {
      seed(seeder, trackerless(torrent, data).upCap(2 << 20));
      TorrentHandle h = fetch(leecher, torrent, dir.resolve("out/pz.bin"), addressOf(seeder));
      await().atMost(Duration.ofSeconds(30)).until(() -> h.progress().piecesVerified() > 4);
      h.pause();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> h.progress().state() == Progress.State.PAUSED && h.progress().peers() == 0);
      long received = h.progress().fromPeers();
      Thread.sleep(1500);
      assertThat(h.progress().fromPeers()).isEqualTo(received);
      h.resume();
      h.awaitCompletion(Duration.ofSeconds(60));
      assertThat(Torrents.sha256(dir.resolve("out/pz.bin"))).isEqualTo(Torrents.sha256(data));
    }
  }

  @Test
  @org.junit.jupiter.api.Tag("slow")
  void stalledPeerHoldingRequestsIsSnubbedAndOriginFinishes() throws Exception {
    Path data = GameBuilds.randomFile(dir, "st.bin", 3L << 20, 16);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    var meta = dev.shoal.protocol.torrent.Metainfo.parse(torrent);
    try (MaliciousSeeder staller = new MaliciousSeeder(meta.infoHash(), meta.pieceCount(), true);
        RangeOrigin origin = new RangeOrigin(data);
        Swarm swarm = Swarm.start(Fixtures.loopback().build())) {
      Path out = dir.resolve("out/st.bin");
      TorrentHandle h =
          swarm.add(
              trackerless(torrent, out)
                  .peers(List.of(Loopback.address(staller.port())))
                  .webSeeds(List.of(origin.uri()))
                  .build());
      Progress p = h.awaitCompletion(Duration.ofSeconds(60));
      assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
      assertThat(p.fromOrigin()).isEqualTo(Files.size(data));
      // Without the snub the pieces the staller holds would never complete (no end game
      // duplicates: it is the only peer), so completing at all is the proof.
      assertThat(origin.rangeRequests()).isEqualTo(meta.pieceCount());
    }
  }
}
