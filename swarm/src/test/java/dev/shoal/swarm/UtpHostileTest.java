package dev.shoal.swarm;

import static dev.shoal.swarm.Fixtures.fetch;
import static dev.shoal.swarm.Fixtures.seed;
import static dev.shoal.swarm.Fixtures.trackerless;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Torrents;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a hostile sender on the UDP port can do: garbage, spoofed connection ids, duplicated and
 * out-of-window packets, bogus acks, SYN floods. At most its own connection suffers; the socket and
 * the other peers go on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UtpHostileTest {
  @TempDir Path dir;

  /** A raw UDP sender speaking uTP by hand. */
  private static final class Attacker implements AutoCloseable {
    final DatagramSocket socket;
    final InetSocketAddress target;

    Attacker(String from, InetSocketAddress target) throws Exception {
      socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(from), 0));
      socket.setSoTimeout(2000);
      this.target = target;
    }

    void send(int type, int id, int seq, int ack, byte[] sack, byte[] payload) throws Exception {
      ByteBuffer b = ByteBuffer.allocate(2048);
      UtpPacket.encodeHeader(b, type, id, 1, 0, 1 << 20, seq, ack, sack);
      b.put(payload);
      socket.send(new DatagramPacket(b.array(), b.position(), target));
    }

    void raw(byte[] bytes) throws Exception {
      socket.send(new DatagramPacket(bytes, bytes.length, target));
    }

    UtpPacket receive() throws Exception {
      byte[] buf = new byte[2048];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      socket.receive(p);
      return UtpPacket.decode(ByteBuffer.wrap(buf, 0, p.getLength()));
    }

    @Override
    public void close() {
      socket.close();
    }
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void garbageSpoofsAndBadPacketsCostNoOtherConnection() throws Exception {
    byte[] up = random(1 << 20, 11);
    byte[] down = random(1 << 20, 12);
    try (UtpEndpoint server = new UtpEndpoint(10);
        UtpEndpoint client = new UtpEndpoint(0);
        Attacker evil = new Attacker("127.0.0.1", server.address())) {
      // a legitimate connection, established, nothing sent yet
      UtpConnection c = client.dial(server.address(), new byte[0]);
      Awaitility.await().until(() -> server.call(() -> server.accepted.size()) == 1);
      UtpConnection s = server.call(() -> server.accepted.get(0));

      // 1. garbage of every length
      Random r = new Random(5);
      for (int i = 0; i < 3000; i++) {
        byte[] g = new byte[r.nextInt(1500)];
        r.nextBytes(g);
        evil.raw(g);
      }
      // 2. the legitimate connection's ids from another address: reset, data, acks
      for (int id : new int[] {s.recvId, s.sendId, c.recvId, c.sendId}) {
        for (int seq = 0; seq < 0x10000; seq += 4099) {
          evil.send(UtpPacket.ST_RESET, id, seq, seq, null, new byte[0]);
          evil.send(UtpPacket.ST_DATA, id, seq, seq, null, "EVIL".getBytes());
          evil.send(UtpPacket.ST_FIN, id, seq, seq, null, new byte[0]);
        }
      }
      // 3. its own connection, then duplicates, out-of-window data, bogus acks, a huge sack
      evil.send(UtpPacket.ST_SYN, 4000, 100, 0, null, new byte[0]);
      UtpPacket answer;
      do {
        answer = evil.receive();
      } while (answer.type() != UtpPacket.ST_STATE || answer.connectionId() != 4000);
      int serverSeq = answer.seq();
      byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < 50; i++) {
        evil.send(UtpPacket.ST_DATA, 4001, 101, serverSeq - 1, null, hello); // duplicated
      }
      evil.send(UtpPacket.ST_DATA, 4001, 101 + 5000, serverSeq - 1, null, new byte[1000]);
      evil.send(UtpPacket.ST_FIN, 4001, 101 + 30000, serverSeq - 1, null, new byte[0]);
      evil.send(UtpPacket.ST_STATE, 4001, 102, serverSeq + 20000, null, new byte[0]);
      evil.send(UtpPacket.ST_STATE, 4001, 102, serverSeq - 1, new byte[128], new byte[0]);
      byte[] allOnes = new byte[128];
      java.util.Arrays.fill(allOnes, (byte) -1);
      evil.send(UtpPacket.ST_STATE, 4001, 102, serverSeq - 1, allOnes, new byte[0]);
      for (int i = 0; i < 2000; i++) {
        evil.send(UtpPacket.ST_DATA, 4001, 2000 + r.nextInt(60000), r.nextInt(65536), null, hello);
      }

      // the legitimate pair still carries megabytes both ways, byte for byte
      client.call(() -> client.streams.get(c).toSend = up);
      server.call(() -> server.streams.get(s).toSend = down);
      UtpEndpoint.awaitExchanged(client, c, server, s, up, down, Duration.ofSeconds(30));
      assertThat(client.call(() -> c.error)).isNull();
      assertThat(server.call(() -> s.error)).isNull();
      assertThat(server.call(() -> server.socket.malformed)).isPositive();
      // the attacker's own stream got its in-order bytes once, and nothing out of its window
      UtpConnection mine = server.call(() -> server.accepted.get(1));
      assertThat(
              server.call(() -> server.streams.get(mine).got.toString(StandardCharsets.US_ASCII)))
          .startsWith("hello")
          .doesNotContain("hellohello");
      assertThat(server.call(mine::outOfOrderBytes))
          .as("duplicates and out-of-window data are not kept")
          .isZero();
    }
  }

  /**
   * A SYN flood from one address fills at most its share of half-open connections; a player on
   * another address still gets the whole torrent over uTP from the flooded engine.
   */
  @Test
  void synFloodFromOneAddressLeavesOthersAlone() throws Exception {
    Path data = GameBuilds.randomFile(dir, "game.bin", 4 << 20, 3);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    try (Swarm seeder = Swarm.start(Fixtures.loopback().utp(true).build());
        Swarm leecher = Swarm.start(Fixtures.loopback().utp(true).build());
        Attacker evil = new Attacker("127.0.0.2", Fixtures.addressOf(seeder))) {
      seed(seeder, trackerless(torrent, data));
      for (int id = 0; id < 1000; id++) {
        evil.send(UtpPacket.ST_SYN, id * 2, 1, 0, null, new byte[0]);
      }
      int[] answers = new int[2];
      evil.socket.setSoTimeout(500);
      try {
        while (true) {
          UtpPacket p = evil.receive();
          answers[p.type() == UtpPacket.ST_STATE ? 0 : 1]++;
        }
      } catch (java.net.SocketTimeoutException done) {
        // all answers read
      }
      assertThat(answers[0]).as("accepted").isEqualTo(Engine.HALF_OPEN_PER_ADDRESS);
      assertThat(answers[1]).as("reset").isPositive();

      Path out = dir.resolve("out/game.bin");
      TorrentHandle h = fetch(leecher, torrent, out, Fixtures.addressOf(seeder));
      Set<String> transports = Fixtures.transportsWhileDownloading(leecher, h);
      assertThat(Torrents.sha256(out)).isEqualTo(Torrents.sha256(data));
      assertThat(transports).containsExactly("utp");
    }
  }
}
