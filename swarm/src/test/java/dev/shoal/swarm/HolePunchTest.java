package dev.shoal.swarm;

import static dev.shoal.swarm.Fixtures.seed;
import static dev.shoal.swarm.Fixtures.trackerless;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.protocol.torrent.Bencode;
import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Torrents;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BEP 55 on loopback, without namespaces: the message format, and the engine as the relay between
 * two raw peers (the rendezvous, and the errors). The NAT traversal itself is {@link
 * HolePunchLabTest}'s (root).
 */
class HolePunchTest {

  @TempDir Path dir;

  @Test
  void messagesRoundTripAndMalformedOnesAreRefused() {
    InetSocketAddress v4 = new InetSocketAddress("198.51.100.7", 6881);
    InetSocketAddress v6 = new InetSocketAddress("2001:db8::7", 51413);
    assertThat(HolePunch.decode(ByteBuffer.wrap(HolePunch.encode(HolePunch.CONNECT, v4, 0))))
        .isEqualTo(new HolePunch.Message(HolePunch.CONNECT, v4, 0));
    assertThat(HolePunch.decode(ByteBuffer.wrap(HolePunch.encode(HolePunch.ERROR, v6, 3))))
        .isEqualTo(new HolePunch.Message(HolePunch.ERROR, v6, 3));
    byte[] ok = HolePunch.encode(HolePunch.RENDEZVOUS, v4, 0);
    assertThat(ok).hasSize(12);
    byte[] badType = ok.clone();
    badType[0] = 3;
    byte[] badAddrType = ok.clone();
    badAddrType[1] = 2;
    assertThat(HolePunch.decode(ByteBuffer.wrap(badType))).isNull();
    assertThat(HolePunch.decode(ByteBuffer.wrap(badAddrType))).isNull();
    assertThat(HolePunch.decode(ByteBuffer.wrap(new byte[] {0, 0, 1, 2}))).isNull();
    assertThat(HolePunch.decode(ByteBuffer.wrap(java.util.Arrays.copyOf(ok, 13)))).isNull();
  }

  @Test
  void theEngineRelaysARendezvousBetweenTwoConnectedPeersAndSaysWhenItCannot() throws Exception {
    Path data = GameBuilds.randomFile(dir, "r.bin", 1L << 20, 31);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    byte[] ih = Metainfo.parse(torrent).infoHash();
    try (Swarm relay = Swarm.start(Fixtures.loopback().build())) {
      seed(relay, trackerless(torrent, data));
      int port = relay.listenPort();
      try (RawPeer a = new RawPeer("127.0.0.2", port);
          RawPeer b = new RawPeer("127.0.0.3", port);
          RawPeer plain = new RawPeer("127.0.0.4", port)) {
        int relayId = join(a, ih, "-XA0001-holepunch--a", 7002, 9);
        join(b, ih, "-XB0001-holepunch--b", 7003, 11);
        join(plain, ih, "-XC0001-holepunch--c", 7004, 0);
        assertThat(relayId).as("the engine advertises ut_holepunch").isEqualTo(HolePunch.OUR_ID);

        InetSocketAddress aAt = new InetSocketAddress("127.0.0.2", 7002);
        InetSocketAddress bAt = new InetSocketAddress("127.0.0.3", 7003);
        a.send(extended(relayId, HolePunch.encode(HolePunch.RENDEZVOUS, bAt, 0)));
        assertThat(holepunch(b, 11)).isEqualTo(new HolePunch.Message(HolePunch.CONNECT, aAt, 0));
        assertThat(holepunch(a, 9)).isEqualTo(new HolePunch.Message(HolePunch.CONNECT, bAt, 0));

        InetSocketAddress nobody = new InetSocketAddress("127.0.0.9", 7009);
        a.send(extended(relayId, HolePunch.encode(HolePunch.RENDEZVOUS, nobody, 0)));
        assertThat(holepunch(a, 9))
            .isEqualTo(new HolePunch.Message(HolePunch.ERROR, nobody, HolePunch.NOT_CONNECTED));
        InetSocketAddress plainAt = new InetSocketAddress("127.0.0.4", 7004);
        a.send(extended(relayId, HolePunch.encode(HolePunch.RENDEZVOUS, plainAt, 0)));
        assertThat(holepunch(a, 9))
            .isEqualTo(new HolePunch.Message(HolePunch.ERROR, plainAt, HolePunch.NO_SUPPORT));
        a.send(extended(relayId, HolePunch.encode(HolePunch.RENDEZVOUS, aAt, 0)));
        assertThat(holepunch(a, 9))
            .isEqualTo(new HolePunch.Message(HolePunch.ERROR, aAt, HolePunch.NO_SELF));
      }
    }
  }

  /**
   * With uTP on, an engine told to meet a peer it did not ask for (the punch's target) opens its
   * NAT from its uTP socket with empty datagrams, which a uTP socket drops without an answer, and
   * punches over TCP from its listening port as well. (The initiator's uTP dial, and what crosses a
   * NAT, are HolePunchLabTest's.)
   */
  @Test
  void overUtpTheTargetSendsEmptyDatagramsFromItsListeningPort() throws Exception {
    Path data = GameBuilds.randomFile(dir, "u.bin", 1L << 20, 32);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    byte[] ih = Metainfo.parse(torrent).infoHash();
    try (Swarm target = Swarm.start(Fixtures.loopback().utp(true).build());
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress("127.0.0.6", 0));
        ServerSocket tcp = new ServerSocket()) {
      seed(target, trackerless(torrent, data));
      int port = target.listenPort();
      udp.setSoTimeout(5000);
      tcp.setReuseAddress(true);
      tcp.bind(new InetSocketAddress("127.0.0.6", udp.getLocalPort()));
      tcp.setSoTimeout(5000);
      try (RawPeer relay = new RawPeer("127.0.0.2", port)) {
        int relayId = join(relay, ih, "-XA0001-holepunch--r", 7002, 9);
        InetSocketAddress initiator = (InetSocketAddress) udp.getLocalSocketAddress();
        relay.send(extended(relayId, HolePunch.encode(HolePunch.CONNECT, initiator, 0)));

        DatagramPacket poke = new DatagramPacket(new byte[64], 64);
        udp.receive(poke);
        assertThat(poke.getLength()).as("an empty datagram").isZero();
        assertThat(poke.getPort()).as("from the uTP socket, on the listening port").isEqualTo(port);
        try (Socket punch = tcp.accept()) {
          assertThat(punch.getPort()).as("TCP from the listening port").isEqualTo(port);
        }
        // The same to the engine's uTP socket: dropped, never answered (no RESET to loop on).
        for (int i = 0; i < 2; i++) {
          udp.receive(new DatagramPacket(new byte[64], 64)); // the other pokes
        }
        udp.send(new DatagramPacket(new byte[0], 0, new InetSocketAddress("127.0.0.1", port)));
        udp.setSoTimeout(500);
        assertThatThrownBy(() -> udp.receive(new DatagramPacket(new byte[64], 64)))
            .isInstanceOf(SocketTimeoutException.class);
      }
    }
  }

  /**
   * Handshakes, sends an extension handshake listening on {@code listenPort} with ut_holepunch as
   * {@code ourId} (0: none), and returns the engine's ut_holepunch id from its extension handshake.
   */
  private static int join(RawPeer p, byte[] ih, String peerId, int listenPort, int ourId)
      throws Exception {
    assertThat(p.handshake(ih, peerId)).isTrue();
    Map<String, Object> m = ourId == 0 ? Map.of() : Map.of("ut_holepunch", (long) ourId);
    p.send(extended(0, Bencode.encode(Map.of("m", m, "p", (long) listenPort))));
    while (true) {
      byte[] body = nextExtended(p);
      if (body[0] == 0) {
        Object d = Bencode.decode(java.util.Arrays.copyOfRange(body, 1, body.length));
        Object theirs = ((Map<?, ?>) ((Map<?, ?>) d).get("m")).get("ut_holepunch");
        return theirs == null ? 0 : ((Long) theirs).intValue();
      }
    }
  }

  private static HolePunch.Message holepunch(RawPeer p, int ourId) throws IOException {
    while (true) {
      byte[] body = nextExtended(p);
      if ((body[0] & 0xff) == ourId) {
        return HolePunch.decode(ByteBuffer.wrap(body, 1, body.length - 1));
      }
    }
  }

  /** The body (extension id first) of the next EXTENDED message; others are skipped. */
  private static byte[] nextExtended(RawPeer p) throws IOException {
    while (true) {
      int len = p.in.readInt();
      if (len == 0) {
        continue;
      }
      int id = p.in.readUnsignedByte();
      byte[] body = p.in.readNBytes(len - 1);
      if (id == Wire.EXTENDED) {
        return body;
      }
    }
  }

  private static byte[] extended(int extId, byte[] payload) {
    return ByteBuffer.allocate(6 + payload.length)
        .putInt(2 + payload.length)
        .put((byte) Wire.EXTENDED)
        .put((byte) extId)
        .put(payload)
        .array();
  }
}
