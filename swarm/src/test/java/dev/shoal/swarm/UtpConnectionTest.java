package dev.shoal.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.Loopback;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** uTP connections over real loopback UDP sockets, each side on its own selector thread. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UtpConnectionTest {

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Client sends {@code up}, server sends {@code down}; waits until both arrived. */
  private static UtpConnection[] exchange(
      UtpEndpoint client, UtpEndpoint server, InetSocketAddress to, byte[] up, byte[] down)
      throws Exception {
    UtpConnection c = client.dial(to, up);
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> server.call(() -> server.accepted.size()) == 1);
    UtpConnection s = server.call(() -> server.accepted.get(0));
    server.call(() -> server.streams.get(s).toSend = down);
    UtpEndpoint.awaitExchanged(client, c, server, s, up, down, Duration.ofSeconds(60));
    return new UtpConnection[] {c, s};
  }

  @Test
  void transfersMegabytesBothWaysByteExact() throws Exception {
    byte[] up = random(4 << 20, 1);
    byte[] down = random((3 << 20) + 12345, 2);
    try (UtpEndpoint server = new UtpEndpoint(1);
        UtpEndpoint client = new UtpEndpoint(0)) {
      long start = System.nanoTime();
      UtpConnection[] pair = exchange(client, server, server.address(), up, down);
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(client.call(pair[0]::sendBufferCapacity))
          .as("the writer's queue grew with the window")
          .isGreaterThan(UtpConnection.FIRST_SEND_BUFFER);
      System.out.printf(
          "uTP loopback: %.1f MB both ways in %.2f s%n", (up.length + down.length) / 1e6, seconds);
    }
  }

  @Test
  void survivesLossReorderingAndDuplicatesOnARealRelay() throws Exception {
    byte[] up = random(2 << 20, 3);
    byte[] down = random((2 << 20) + 77, 4);
    try (UtpEndpoint server = new UtpEndpoint(1);
        UtpEndpoint client = new UtpEndpoint(0);
        UdpRelay relay = new UdpRelay(server.address(), 0.03, 0.03, 0.02, 99)) {
      UtpConnection[] pair = exchange(client, server, Loopback.address(relay.port()), up, down);
      assertThat(relay.dropped).isPositive();
      long resent = client.call(() -> pair[0].retransmits) + server.call(() -> pair[1].retransmits);
      assertThat(resent).as("lost packets were sent again").isPositive();
      long fast =
          client.call(() -> pair[0].fastRetransmits) + server.call(() -> pair[1].fastRetransmits);
      assertThat(fast).as("most losses are found by duplicate or selective acks").isPositive();
      System.out.printf(
          "relay: dropped %d, resent %d, fast %d, timeouts %d%n",
          relay.dropped,
          resent,
          fast,
          client.call(() -> pair[0].timeoutCount) + server.call(() -> pair[1].timeoutCount));
    }
  }

  /** A connection that carries little keeps a small queue: 200 idle peers are not 50 MiB. */
  @Test
  void anIdleConnectionKeepsItsWriteQueueSmall() throws Exception {
    try (UtpEndpoint server = new UtpEndpoint(1);
        UtpEndpoint client = new UtpEndpoint(0)) {
      UtpConnection c = client.dial(server.address(), random(600, 5));
      Awaitility.await()
          .until(() -> server.call(() -> server.accepted.size() == 1 && gotAll(server, 600)));
      assertThat(client.call(c::sendBufferCapacity)).isEqualTo(UtpConnection.FIRST_SEND_BUFFER);
    }
  }

  private static boolean gotAll(UtpEndpoint server, int bytes) {
    return server.streams.get(server.accepted.get(0)).got.size() == bytes;
  }

  /**
   * The reader stops for 3 s: the sender stops at the window the reader advertises (its buffer)
   * instead of sending into a full buffer, and goes on once the reader does.
   */
  @Test
  void aStalledReaderHoldsTheSenderAtItsWindow() throws Exception {
    byte[] up = random(6 << 20, 21);
    try (UtpEndpoint server = new UtpEndpoint(1);
        UtpEndpoint client = new UtpEndpoint(0)) {
      UtpConnection c = client.dial(server.address(), new byte[0]);
      Awaitility.await().until(() -> server.call(() -> server.accepted.size()) == 1);
      UtpConnection s = server.call(() -> server.accepted.get(0));
      server.call(() -> server.streams.get(s).paused = true);
      client.call(() -> client.streams.get(c).toSend = up);
      Thread.sleep(3000);
      assertThat(server.call(s::receivedBytes))
          .as("the reader's buffer filled")
          .isGreaterThan(UtpConnection.RECV_BUFFER - 2 * c.mss)
          .isLessThanOrEqualTo(UtpConnection.RECV_BUFFER);
      assertThat(client.call(() -> c.retransmits))
          .as("nothing sent past the advertised window (only window probes)")
          .isLessThan(8);
      server.call(() -> server.streams.get(s).paused = false);
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> server.call(() -> server.streams.get(s).got.size()) == up.length);
      assertThat(server.call(() -> server.streams.get(s).got.toByteArray())).isEqualTo(up);
      assertThat(client.call(() -> c.error)).isNull();
    }
  }

  /**
   * Twelve senders to one reader that stops: what the reader's socket holds stays within its budget
   * for all connections together (twelve 512 KiB windows would be three times that), and every byte
   * still arrives once it reads again.
   */
  @Test
  void manyConnectionsShareOneReceiveBudget() throws Exception {
    int senders = 12;
    byte[] up = random(1 << 20, 31);
    try (UtpEndpoint server = new UtpEndpoint(senders)) {
      java.util.List<UtpEndpoint> clients = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < senders; i++) {
          UtpEndpoint client = new UtpEndpoint(0);
          clients.add(client);
          UtpConnection c = client.dial(server.address(), new byte[0]);
          Awaitility.await()
              .until(() -> server.call(() -> server.accepted.size()) == clients.size());
          server.call(
              () -> server.streams.get(server.accepted.get(clients.size() - 1)).paused = true);
          client.call(() -> client.streams.get(c).toSend = up);
        }
        Thread.sleep(3000);
        long held = server.call(server.socket::receiveHeld);
        assertThat(held)
            .as("held by the stalled reader's socket")
            .isGreaterThan(UtpSocket.RECEIVE_BUDGET / 2)
            .isLessThanOrEqualTo(UtpSocket.RECEIVE_BUDGET);
        server.call(
            () -> {
              server.accepted.forEach(a -> server.streams.get(a).paused = false);
              return null;
            });
        Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    server.call(
                        () ->
                            server.accepted.stream()
                                .allMatch(a -> server.streams.get(a).got.size() == up.length)));
        for (UtpConnection a : server.call(() -> new java.util.ArrayList<>(server.accepted))) {
          assertThat(server.call(() -> server.streams.get(a).got.toByteArray())).isEqualTo(up);
        }
        assertThat(server.call(server.socket::receiveHeld)).isZero();
      } finally {
        for (UtpEndpoint c : clients) {
          c.close();
        }
      }
    }
  }

  /**
   * The receiver's acks are held until the sender's timer fires and a second longer (its JVM
   * paused, its machine loaded), then all arrive: the timer fired on a path that lost nothing. The
   * sender sees acks for packets it gave up and never sent again, and takes its window back instead
   * of starting over from one packet.
   */
  @Test
  void aTimeoutOnLateAcksIsUndone() throws Exception {
    byte[] up = random(16 << 20, 31);
    try (UtpEndpoint server = new UtpEndpoint(1);
        UtpEndpoint client = new UtpEndpoint(0);
        UdpRelay relay = new UdpRelay(server.address(), 0, 0, 0, 7)) {
      UtpConnection c = client.dial(Loopback.address(relay.port()), new byte[0]);
      Awaitility.await().until(() -> client.call(() -> c.state) == UtpConnection.State.CONNECTED);
      client.call(() -> client.streams.get(c).toSend = up);
      Awaitility.await().until(() -> client.call(() -> c.ledbat.window()) >= 16 * c.mss);
      relay.holdReplies = true;
      int before = client.call(() -> c.ledbat.window());
      Awaitility.await().until(() -> client.call(() -> c.timeoutCount) > 0);
      Thread.sleep(1000);
      relay.holdReplies = false;
      Awaitility.await().until(() -> client.call(() -> client.socket.spuriousTimeouts) > 0);
      // Read as restored: by now LEDBAT may have moved it, on delays a loaded machine adds.
      assertThat(client.call(() -> c.windowRestored))
          .as("the window from before the stall")
          .isGreaterThanOrEqualTo(before * 3 / 4);
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  server.call(() -> server.streams.get(server.accepted.get(0)).got.size())
                      == up.length);
      assertThat(server.call(() -> server.streams.get(server.accepted.get(0)).got.toByteArray()))
          .isEqualTo(up);
    }
  }

  /**
   * One packet in flight, its ack late, the timer resends it: the ack that finally comes says (by
   * the timestamp it echoes) that the first copy arrived, so the window comes back. Without
   * timestamps the two copies' acks look alike, and a slow peer left windows of one packet.
   */
  @Test
  void aLateAckOfTheFirstCopyUndoesTheTimeout() throws Exception {
    try (UtpEndpoint server = new UtpEndpoint(1);
        UtpEndpoint client = new UtpEndpoint(0);
        UdpRelay relay = new UdpRelay(server.address(), 0, 0, 0, 11)) {
      UtpConnection c = client.dial(Loopback.address(relay.port()), new byte[0]);
      Awaitility.await().until(() -> client.call(() -> c.state) == UtpConnection.State.CONNECTED);
      relay.holdReplies = true;
      client.call(() -> client.streams.get(c).toSend = random(500, 3));
      Awaitility.await().until(() -> client.call(() -> c.retransmits) > 0);
      relay.holdReplies = false;
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  server.call(() -> server.streams.get(server.accepted.get(0)).got.size()) == 500);
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> client.call(() -> c.unsentOrUnacked()) == 0L);
      assertThat(client.call(() -> client.socket.spuriousTimeouts)).isEqualTo(1);
      assertThat(client.call(() -> c.windowRestored)).isGreaterThan(client.call(() -> c.mss));
    }
  }

  /** A path that drops everything: the connection is given up after 6 timeouts in a row. */
  @Test
  @org.junit.jupiter.api.Tag("slow")
  void aDeadPathEndsTheConnectionAfterRepeatedTimeouts() throws Exception {
    try (UtpEndpoint server = new UtpEndpoint(1);
        UtpEndpoint client = new UtpEndpoint(0);
        UdpRelay relay = new UdpRelay(server.address(), 0, 0, 0, 5)) {
      UtpConnection c = client.dial(Loopback.address(relay.port()), new byte[0]);
      Awaitility.await().until(() -> client.call(() -> c.state) == UtpConnection.State.CONNECTED);
      relay.drop = 1.0;
      long start = System.nanoTime();
      client.call(() -> client.streams.get(c).toSend = random(100_000, 1));
      Awaitility.await()
          .atMost(Duration.ofSeconds(80))
          .until(() -> client.call(() -> c.error) != null);
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(client.call(() -> c.error)).isEqualTo("timed out");
      // 0.5 + 1 + 2 + 4 + 8 + 16 + 32 s: the seventh timeout ends it
      assertThat(seconds).isBetween(50.0, 75.0);
      assertThat(client.call(() -> c.timeoutCount)).isEqualTo(UtpConnection.MAX_TIMEOUTS + 1);
    }
  }

  @Test
  void finEndsTheStreamAfterItsData() throws Exception {
    byte[] up = random(300_000, 5);
    try (UtpEndpoint server = new UtpEndpoint(1);
        UtpEndpoint client = new UtpEndpoint(0)) {
      UtpConnection[] pair = exchange(client, server, server.address(), up, new byte[0]);
      client.call(
          () -> {
            pair[0].close();
            return null;
          });
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> server.call(() -> server.streams.get(pair[1]).eof));
    }
  }

  @Test
  void refusedSynGetsAReset() throws Exception {
    try (UtpEndpoint server = new UtpEndpoint(0);
        UtpEndpoint client = new UtpEndpoint(0)) {
      UtpConnection c = client.dial(server.address(), new byte[10]);
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> client.call(() -> c.error) != null);
      assertThat(client.call(() -> c.error)).isEqualTo("reset by peer");
    }
  }
}
