package dev.shoal.swarm;

import static dev.shoal.swarm.Fixtures.addressOf;
import static dev.shoal.swarm.Fixtures.fetch;
import static dev.shoal.swarm.Fixtures.seed;
import static dev.shoal.swarm.Fixtures.trackerless;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Loopback;
import dev.shoal.testsupport.Torrents;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corrupt data, hostile handshakes and broken framing cost only the offending connection. */
class BadPeerTest {
  @TempDir Path dir;

  @Test
  void peerSendingCorruptBlocksIsBannedAndDownloadCompletesFromHonestSeeder() throws Exception {
    Path data = GameBuilds.randomFile(dir, "payload.bin", 8L << 20, 3);
    byte[] torrent = Torrents.of(data, 128 * 1024, null);
    Metainfo meta = Metainfo.parse(torrent);
    try (MaliciousSeeder evil = new MaliciousSeeder(meta.infoHash(), meta.pieceCount());
        Swarm honest = Swarm.start(Fixtures.loopback().build());
        // TCP: the malicious seeder speaks no uTP, and a 2 s fallback would let the honest seeder
        // deliver everything before the liar is ever asked
        Swarm leecher = Swarm.start(Fixtures.loopback().utp(false).build())) {
      // A slow honest seeder, so the fast liar gets plenty of requests.
      seed(honest, trackerless(torrent, data).upCap(4 << 20));
      Path out = dir.resolve("out/payload.bin");
      TorrentHandle h =
          fetch(leecher, torrent, out, Loopback.address(evil.port()), addressOf(honest));
      Progress p = h.awaitCompletion(Duration.ofSeconds(60));
      assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
      assertThat(evil.blocksSent.get()).isPositive();
      assertThat(p.fromPeers()).isGreaterThan(p.total()); // bad bytes arrived and were dropped
      assertThat(evil.closedByRemote.get()).isEqualTo(1);
      assertThat(evil.accepted()).as("banned address is never dialled again").isEqualTo(1);
      assertThat(p.peersBanned()).isEqualTo(1);
    }
  }

  @Test
  void hostileHandshakesAndOversizedMessagesDoNotTakeDownTheListener() throws Exception {
    Path data = GameBuilds.randomFile(dir, "payload.bin", 4L << 20, 4);
    byte[] torrent = Torrents.of(data, 64 * 1024, null);
    Metainfo meta = Metainfo.parse(torrent);
    try (Swarm seeder = Swarm.start(Fixtures.loopback().build())) {
      seed(seeder, trackerless(torrent, data));
      int port = seeder.listenPort();
      // Silent (never send anything): more than one address may hold half-open, from one
      // address. The engine keeps HALF_OPEN_PER_ADDRESS of them and hangs up on the rest at once.
      List<Socket> halfOpen = new ArrayList<>();
      for (int i = 0; i < 250; i++) {
        Socket s = new Socket();
        s.bind(new InetSocketAddress("127.0.0.9", 0));
        s.connect(new InetSocketAddress("127.0.0.1", port));
        halfOpen.add(s);
      }
      byte[] mse = new byte[96];
      new Random(5).nextBytes(mse); // an MSE/PE DH key looks like this
      assertClosedByEngine(port, mse);
      assertClosedByEngine(port, new byte[] {19, 'B', 'i', 't'}, true); // truncated, we hang up
      byte[] hs1 = handshake(meta.infoHash(), "-XX0000-hostilepeer1");
      byte[] hs2 = handshake(meta.infoHash(), "-XX0000-hostilepeer2");
      byte[] hs3 = handshake(meta.infoHash(), "-XX0000-toleratedpe3");
      assertClosedByEngine(port, concat(hs1, new byte[] {0, 16, 0, 0, 7})); // 1 MiB "PIECE"
      assertClosedByEngine(port, concat(hs2, new byte[] {0, 0, 0, 3, 5, 1, 1})); // bad bitfield
      // a banned peer id is refused at the handshake (each connection here has its own address)
      assertClosedByEngine(port, hs1);
      assertClosedByEngine(
          port,
          concat(hs3, new byte[] {0, 0, 0, 2, 20, 3, 0, 0, 0, 1, 20, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1}),
          false,
          true); // odd PEX, empty extension, repeated unchoke: tolerated
      int heldHalfOpen =
          seeder.onEngine(
              e ->
                  (int)
                      e.peers().stream()
                          .filter(p -> p.address.getAddress().getHostAddress().equals("127.0.0.9"))
                          .count());
      assertThat(heldHalfOpen).isEqualTo(Engine.HALF_OPEN_PER_ADDRESS);
      // The listener still serves a real download.
      try (Swarm leecher = Swarm.start(Fixtures.loopback().build())) {
        Path out = dir.resolve("out/payload.bin");
        fetch(leecher, torrent, out, Loopback.address(port))
            .awaitCompletion(Duration.ofSeconds(30));
        assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
      }
      for (Socket s : halfOpen) {
        s.close();
      }
    }
  }

  private static byte[] handshake(byte[] infoHash, String peerId) {
    byte[] hs = new byte[68];
    hs[0] = 19;
    System.arraycopy(Wire.PROTOCOL, 0, hs, 1, 19);
    hs[25] = 0x10;
    System.arraycopy(infoHash, 0, hs, 28, 20);
    System.arraycopy(peerId.getBytes(), 0, hs, 48, 20);
    return hs;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static void assertClosedByEngine(int port, byte[] bytes) throws Exception {
    assertClosedByEngine(port, bytes, false, false);
  }

  private static void assertClosedByEngine(int port, byte[] bytes, boolean halfClose)
      throws Exception {
    assertClosedByEngine(port, bytes, halfClose, false);
  }

  private static final java.util.concurrent.atomic.AtomicInteger SOURCE =
      new java.util.concurrent.atomic.AtomicInteger(100);

  /**
   * Sends bytes from a fresh 127.0.0.x address (so bans of one probe never add up to an address ban
   * for the next) and reads until EOF; {@code expectOpen} inverts the check.
   */
  private static void assertClosedByEngine(
      int port, byte[] bytes, boolean halfClose, boolean expectOpen) throws Exception {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress("127.0.0." + SOURCE.getAndIncrement(), 0));
      s.connect(new InetSocketAddress("127.0.0.1", port));
      s.setSoTimeout(expectOpen ? 1500 : 20_000);
      OutputStream out = s.getOutputStream();
      out.write(bytes);
      out.flush();
      if (halfClose) {
        s.shutdownOutput();
      }
      DataInputStream in = new DataInputStream(s.getInputStream());
      boolean eof = false;
      try {
        while (in.read() >= 0) {
          // drain the engine's handshake/bitfield
        }
        eof = true;
      } catch (java.net.SocketTimeoutException e) {
        eof = false;
      } catch (IOException e) {
        eof = true; // reset
      }
      assertThat(eof).as("connection closed").isEqualTo(!expectOpen);
    }
  }

  @Test
  void wrongSha256MeansThatPieceIsNeverReportedComplete() throws Exception {
    Path data = GameBuilds.randomFile(dir, "payload.bin", 2L << 20, 6);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    Metainfo meta = Metainfo.parse(torrent);
    List<byte[]> sha256 = new ArrayList<>();
    try (var ch = java.nio.channels.FileChannel.open(data)) {
      for (int i = 0; i < meta.pieceCount(); i++) {
        var buf = java.nio.ByteBuffer.allocate(meta.pieceSize(i));
        ch.read(buf, (long) i * meta.pieceLength());
        sha256.add(java.security.MessageDigest.getInstance("SHA-256").digest(buf.array()));
      }
    }
    sha256.set(3, new byte[32]); // the manifest disagrees with piece 3
    try (Swarm seeder = Swarm.start(Fixtures.loopback().build());
        Swarm leecher = Swarm.start(Fixtures.loopback().build())) {
      seed(seeder, trackerless(torrent, data));
      List<Integer> verified = new java.util.concurrent.CopyOnWriteArrayList<>();
      TorrentHandle h =
          leecher.add(
              trackerless(torrent, dir.resolve("out/payload.bin"))
                  .pieceSha256(sha256)
                  .onPieceVerified(verified::add)
                  .peers(List.of(addressOf(seeder)))
                  .build());
      org.junit.jupiter.api.Assertions.assertThrows(
          TimeoutException.class, () -> h.awaitCompletion(Duration.ofSeconds(4)));
      // The only source of piece 3 "lied" (by the manifest's account) and is banned, so the
      // torrent stays incomplete; whatever was verified before is reported, piece 3 never.
      Progress p = h.progress();
      assertThat(p.isComplete()).isFalse();
      assertThat(verified).doesNotContain(3).hasSize(p.piecesVerified());
    }
  }
}
