package dev.shoal.swarm;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.shoal.protocol.torrent.Metainfo;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * Fuzzes the peer wire parser through a real socket: after a valid handshake, arbitrary bytes.
 * Whatever they are, the engine must still answer the next peer's handshake. The seed corpus in
 * src/test/resources/dev/shoal/swarm/WireFuzzTestInputs/ replays as ordinary tests.
 */
class WireFuzzTest {
  private static Swarm seeder;
  private static byte[] infoHash;

  private static synchronized int seederPort() throws Exception {
    if (seeder == null) {
      Path dir = Files.createTempDirectory("wirefuzz");
      Path data = Fixtures.randomFile(dir, "f.bin", 1 << 20, 14);
      byte[] torrent = Fixtures.torrentFor(data, 64 * 1024, null);
      infoHash = Metainfo.parse(torrent).infoHash();
      seeder = Swarm.start(Fixtures.loopback());
      seeder
          .add(TorrentJob.of(torrent, data).withAnnounceUrl(""))
          .awaitCompletion(Duration.ofSeconds(30));
      Runtime.getRuntime().addShutdownHook(new Thread(seeder::close));
    }
    return seeder.listenPort();
  }

  @FuzzTest
  void arbitraryMessagesAfterHandshake(byte[] bytes) throws Exception {
    int port = seederPort();
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.getOutputStream().write(handshake());
      s.getOutputStream().write(bytes);
      s.getOutputStream().flush();
    } catch (IOException e) {
      // the engine may close on us mid-write: that is a fine answer to garbage
    }
    try (Socket probe = new Socket("127.0.0.1", port)) {
      probe.setSoTimeout(10_000);
      probe.getOutputStream().write(handshake());
      byte[] reply = new byte[68];
      new DataInputStream(probe.getInputStream()).readFully(reply);
      if (reply[0] != 19 || !Arrays.equals(Arrays.copyOfRange(reply, 28, 48), infoHash)) {
        throw new AssertionError("engine no longer answers handshakes");
      }
    }
  }

  private static byte[] handshake() {
    byte[] hs = new byte[68];
    hs[0] = 19;
    System.arraycopy(Wire.PROTOCOL, 0, hs, 1, 19);
    hs[25] = 0x10;
    hs[27] = 0x04;
    System.arraycopy(infoHash, 0, hs, 28, 20);
    byte[] id = ("-FZ0000-" + System.nanoTime()).substring(0, 20).getBytes();
    System.arraycopy(id, 0, hs, 48, 20);
    return hs;
  }
}
