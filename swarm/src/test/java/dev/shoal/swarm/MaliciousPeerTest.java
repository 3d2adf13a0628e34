package dev.shoal.swarm;

import static dev.shoal.swarm.Fixtures.addressOf;
import static dev.shoal.swarm.Fixtures.fetch;
import static dev.shoal.swarm.Fixtures.seed;
import static dev.shoal.swarm.Fixtures.trackerless;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Loopback;
import dev.shoal.testsupport.Torrents;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * "Prove it: hostile world". Peers that lie in their bitfield, answer with rejects or garbage,
 * flood requests, send oversized messages or come back under a new identity, over real loopback
 * sockets. Each case asserts the ban and that the honest download still completes bit for bit.
 * Hostile peers use their own 127.0.0.x address; the honest ones are on 127.0.0.1.
 */
class MaliciousPeerTest {
  private static final int PIECE = 128 * 1024;

  @TempDir Path dir;

  /**
   * (a) lying bitfield/HAVE, (c) oversized messages, (d) bad data, from the leecher's side: the
   * liar is dialled alongside an honest (rate-capped, so the liar gets plenty of requests) seeder.
   */
  @ParameterizedTest
  @EnumSource(MaliciousSeeder.Mode.class)
  void leecherBansTheLiarAndCompletesFromTheHonestSeeder(MaliciousSeeder.Mode mode)
      throws Exception {
    Path data = GameBuilds.randomFile(dir, "payload.bin", 4L << 20, 21);
    byte[] torrent = Torrents.of(data, PIECE, null);
    Metainfo meta = Metainfo.parse(torrent);
    try (MaliciousSeeder liar =
            new MaliciousSeeder(meta.infoHash(), meta.pieceCount(), mode, "127.0.0.5");
        Swarm honest = Swarm.start(Fixtures.loopback().build());
        // TCP: the liar speaks no uTP, and a 2 s fallback would let the honest seeder deliver
        // everything before the liar is ever asked
        Swarm leecher = Swarm.start(Fixtures.loopback().utp(false).build())) {
      seed(honest, trackerless(torrent, data).upCap(2 << 20));
      Path out = dir.resolve("out/payload.bin");
      TorrentHandle h = fetch(leecher, torrent, out, liar.address(), addressOf(honest));
      Progress p = h.awaitCompletion(Duration.ofSeconds(30));

      assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
      assertThat(liar.requestsSeen.get()).as("the liar was asked for data").isPositive();
      assertThat(liar.accepted()).as("dialled once, never again").isEqualTo(1);
      if (mode == MaliciousSeeder.Mode.STALL) {
        // Silence is not proof of a lie (a congested honest peer looks the same): the end game
        // fetches its blocks elsewhere and a snub (20 s) would stop asking it; no ban.
        assertThat(p.peersBanned()).isZero();
      } else {
        assertThat(p.peersBanned()).as("liar banned").isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> liar.closedByRemote.get() == 1);
      }
    }
  }

  /**
   * (b) request floods against our seeder: queue capped (overshoot rejected, not banned), sustained
   * floods, duplicates, requests while choked and out-of-range requests banned; an honest leecher
   * downloading meanwhile completes.
   */
  @Test
  void requestFloodsAreCappedAndBannedWhileAnHonestLeecherIsServed() throws Exception {
    Path data = GameBuilds.randomFile(dir, "payload.bin", 4L << 20, 22);
    byte[] torrent = Torrents.of(data, PIECE, null);
    Metainfo meta = Metainfo.parse(torrent);
    byte[] ih = meta.infoHash();
    int pieces = meta.pieceCount();
    try (Swarm seeder = Swarm.start(Fixtures.loopback().build());
        Swarm leecher = Swarm.start(Fixtures.loopback().build())) {
      TorrentHandle seed = seed(seeder, trackerless(torrent, data).upCap(2 << 20));
      int port = seeder.listenPort();
      Path out = dir.resolve("out/payload.bin");
      TorrentHandle h = fetch(leecher, torrent, out, Loopback.address(port));

      // 1. Unchoked, 600 distinct valid requests without reading: the queue stops at its cap and
      // the overshoot is rejected (BEP 6), which alone is no reason to ban.
      try (RawPeer flooder = new RawPeer("127.0.0.20", port)) {
        assertThat(flooder.handshake(ih, "-FL0001-queueflooder")).isTrue();
        flooder.send(RawPeer.simple(Wire.INTERESTED));
        assertThat(flooder.awaitMessage(Wire.UNCHOKE)).isTrue();
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        for (int i = 0; i < 600; i++) {
          burst.write(RawPeer.request(i % pieces, (i / pieces) * 100, Wire.BLOCK));
        }
        flooder.send(burst.toByteArray());
        assertThat(flooder.awaitMessage(Wire.REJECT)).as("overshoot rejected").isTrue();
        assertThat((int) seeder.onEngine(e -> seed.torrent().peersBanned)).isZero();
        assertThat((int) seeder.onEngine(e -> seed.torrent().peakQueuedRequests))
            .as("queue filled to its cap, not beyond")
            .isEqualTo(Torrent.MAX_QUEUED_REQUESTS);

        // ...then thousands of duplicates of one request: banned.
        ByteArrayOutputStream dups = new ByteArrayOutputStream();
        for (int i = 0; i < 5000; i++) {
          dups.write(RawPeer.request(1, 0, Wire.BLOCK));
        }
        sendUntilHungUp(flooder, dups.toByteArray());
        assertThat(flooder.closedByEngineWithin(10_000)).as("duplicate flood").isTrue();
      }

      // 2. Choked (never said INTERESTED): thousands of requests, each one refused: banned.
      try (RawPeer choked = new RawPeer("127.0.0.21", port)) {
        assertThat(choked.handshake(ih, "-FL0001-chokedfloodr")).isTrue();
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        for (int i = 0; i < 5000; i++) {
          burst.write(RawPeer.request(i % pieces, 0, Wire.BLOCK));
        }
        sendUntilHungUp(choked, burst.toByteArray());
        assertThat(choked.closedByEngineWithin(10_000)).as("flood while choked").isTrue();
      }

      // 3. A single out-of-range request is enough: index, offset, length, or > 2 blocks.
      byte[][] outOfRange = {
        RawPeer.request(pieces, 0, Wire.BLOCK),
        RawPeer.request(-1, 0, Wire.BLOCK),
        RawPeer.request(0, PIECE, 1),
        RawPeer.request(0, PIECE - 100, Wire.BLOCK),
        RawPeer.request(0, -16, 16),
        RawPeer.request(0, 0, 0),
        RawPeer.request(0, 0, 2 * Wire.BLOCK + 1),
      };
      for (int i = 0; i < outOfRange.length; i++) {
        try (RawPeer bad = new RawPeer("127.0.0." + (30 + i), port)) {
          assertThat(bad.handshake(ih, "-FL0001-outofrange-" + i)).isTrue();
          bad.send(RawPeer.simple(Wire.INTERESTED));
          bad.send(outOfRange[i]);
          assertThat(bad.closedByEngineWithin(10_000)).as("out-of-range request %d", i).isTrue();
        }
      }

      h.awaitCompletion(Duration.ofSeconds(30));
      assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
      assertThat(h.progress().peersBanned()).isZero();
      assertThat((int) seeder.onEngine(e -> seed.torrent().peersBanned))
          .isEqualTo(2 + outOfRange.length);
      assertThat((int) seeder.onEngine(e -> seed.torrent().peakQueuedRequests))
          .isLessThanOrEqualTo(Torrent.MAX_QUEUED_REQUESTS);
    }
  }

  /**
   * The documented gap: bans were by IP:port and peer id, so a banned peer came back from a new
   * port with a new id. Now each ban is a strike against its address; at three the address is
   * refused outright, while other addresses (and the honest 127.0.0.1) are unaffected.
   */
  @Test
  void aPeerBannedThreeTimesUnderNewIdentitiesIsRefusedByAddress() throws Exception {
    Path data = GameBuilds.randomFile(dir, "payload.bin", 2L << 20, 23);
    byte[] torrent = Torrents.of(data, PIECE, null);
    byte[] ih = Metainfo.parse(torrent).infoHash();
    byte[] oversized = {0, 16, 0, 0, Wire.PIECE}; // a 1 MiB message
    try (Swarm seeder = Swarm.start(Fixtures.loopback().build())) {
      TorrentHandle seed = seed(seeder, trackerless(torrent, data));
      int port = seeder.listenPort();
      for (int strike = 1; strike <= Engine.STRIKES_PER_ADDRESS; strike++) {
        try (RawPeer evil = new RawPeer("127.0.0.66", port)) {
          assertThat(evil.handshake(ih, "-EV0001-newidentity" + strike))
              .as("identity %d is still let in", strike)
              .isTrue();
          evil.send(oversized);
          assertThat(evil.closedByEngineWithin(10_000)).isTrue();
        }
      }
      try (RawPeer evil = new RawPeer("127.0.0.66", port)) {
        assertThat(evil.handshake(ih, "-EV0001-newidentity9"))
            .as("a fresh port and peer id from a thrice-banned address")
            .isFalse();
      }
      try (RawPeer neighbour = new RawPeer("127.0.0.67", port)) {
        assertThat(neighbour.handshake(ih, "-OK0001-neighbour000")).isTrue();
      }
      try (Swarm leecher = Swarm.start(Fixtures.loopback().build())) {
        Path out = dir.resolve("out/payload.bin");
        fetch(leecher, torrent, out, Loopback.address(port))
            .awaitCompletion(Duration.ofSeconds(30));
        assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
      }
      assertThat((int) seeder.onEngine(e -> seed.torrent().peersBanned))
          .isEqualTo(Engine.STRIKES_PER_ADDRESS);
    }
  }

  /** Writes a flood; the engine may hang up half way, which is the point. */
  private static void sendUntilHungUp(RawPeer peer, byte[] bytes) {
    try {
      peer.send(bytes);
    } catch (IOException e) {
      // reset by the engine mid-flood
    }
  }
}
