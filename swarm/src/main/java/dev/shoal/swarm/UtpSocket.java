package dev.shoal.swarm;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One UDP socket carrying every uTP connection, told apart by the sender's address and the
 * connection id. Non-blocking and single-threaded: the owner (the engine's selector loop) calls
 * {@link #receive} when the channel is readable and {@link #tick} every few milliseconds, then
 * takes the connections that have news from {@link #drainReady}. A bad datagram costs nothing but
 * itself; a hostile peer can at most wreck the connection it holds the id of.
 */
final class UtpSocket {
  private static final Logger LOG = Logger.getLogger(UtpSocket.class.getName());

  /** The path we size packets for: a 1,400-byte IP packet (BEP 29 suggests below 1,500). */
  static final int PATH_MTU = 1400;

  /** Datagrams handled per {@link #receive} call, so the loop gets back to its other sockets. */
  private static final int BATCH = 512;

  /** RESETs answered to unknown connection ids per second: a spoofed flood gets no amplifier. */
  private static final int RESETS_PER_SECOND = 100;

  private static final int SOCKET_BUFFER = 4 * 1024 * 1024;

  /**
   * Heap all connections together may hold for data written and not yet acknowledged (queued or in
   * flight). TCP keeps it in the kernel; here it is on the agent's heap (32 MiB, of which a 20-peer
   * swarm already uses ~25), and 200 connections at their own maxima would hold hundreds of MiB. 1
   * MiB in flight carries 4 MB/s (32 Mbit/s, more than most home uplinks) at 250 ms of RTT.
   */
  static final long SEND_BUDGET = 1L << 20;

  /**
   * Heap all connections together may hold for data received and not yet read; also the most all
   * peers together are told they may send ahead. 2 MiB carries 20 MB/s at 100 ms from peers over
   * uTP; the origin, over TCP and HTTP, fills the rest.
   */
  static final long RECEIVE_BUDGET = 2L << 20;

  private long sendHeld;
  private long receiveHeld;
  private final LinkedHashSet<UtpConnection> waitingForRoom = new LinkedHashSet<>();

  record Key(SocketAddress remote, int connectionId) {}

  final DatagramChannel channel;
  private final Predicate<UtpConnection> onSyn;
  private final Map<Key, UtpConnection> connections = new HashMap<>();
  private final LinkedHashSet<UtpConnection> ready = new LinkedHashSet<>();
  private final LinkedHashSet<UtpConnection> acking = new LinkedHashSet<>();
  private final ByteBuffer rx = ByteBuffer.allocateDirect(65536);
  private final ByteBuffer tx = ByteBuffer.allocateDirect(65536);
  private final Random random = new SecureRandom();
  private long resetSecond;
  private int resetsThisSecond;

  /** Datagrams dropped as malformed, for tests and logs. */
  long malformed;

  /**
   * Counts since the socket opened, logged by the engine at FINE every 10 s (SWARM_TRACE=1 in the
   * swarm benchmark): where a slow uTP swarm loses its time. Resent packets the peer already had
   * show up as its duplicates.
   */
  long dataSent;

  long resent;
  long timeouts;
  long spuriousTimeouts;
  long duplicates;
  long outOfOrder;
  long overWindow;
  long datagramsIn;

  String counters() {
    return String.format(
        Locale.ROOT,
        "utp conns=%d in=%d data_out=%d resent=%d timeouts=%d spurious=%d dup=%d ooo=%d over_window=%d malformed=%d send_held=%d recv_held=%d",
        connections.size(),
        datagramsIn,
        dataSent,
        resent,
        timeouts,
        spuriousTimeouts,
        duplicates,
        outOfOrder,
        overWindow,
        malformed,
        sendHeld,
        receiveHeld);
  }

  /**
   * @param onSyn asked about each new incoming connection (before anything is sent to it): true
   *     takes it (the callee keeps it), false answers with a RESET
   */
  UtpSocket(DatagramChannel channel, Predicate<UtpConnection> onSyn) throws IOException {
    this.channel = channel;
    this.onSyn = onSyn;
    channel.configureBlocking(false);
  }

  /** A socket bound to {@code bind}. */
  static UtpSocket open(InetSocketAddress bind, Predicate<UtpConnection> onSyn) throws IOException {
    DatagramChannel ch = DatagramChannel.open();
    try {
      ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
      ch.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
      ch.bind(bind);
      return new UtpSocket(ch, onSyn);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  int port() {
    try {
      return ((InetSocketAddress) channel.getLocalAddress()).getPort();
    } catch (IOException e) {
      return 0;
    }
  }

  /** The UDP payload that fits the path: the IP and UDP headers come off {@link #PATH_MTU}. */
  int maxPayload(InetSocketAddress remote) {
    return PATH_MTU - (remote.getAddress() instanceof Inet6Address ? 48 : 28);
  }

  int connectionCount() {
    return connections.size();
  }

  /** Dials {@code remote}: the connection is {@code SYN_SENT} until the peer answers. */
  UtpConnection connect(InetSocketAddress remote, long now) {
    int id;
    do {
      id = random.nextInt(0x10000);
    } while (connections.containsKey(new Key(remote, id)));
    UtpConnection c = new UtpConnection(this, remote, id, (id + 1) & 0xFFFF, random.nextInt());
    connections.put(new Key(remote, id), c);
    c.sendSyn(now);
    return c;
  }

  /** Reads the datagrams waiting (up to a batch) and passes each to its connection. */
  void receive(long now) throws IOException {
    for (int i = 0; i < BATCH; i++) {
      rx.clear();
      SocketAddress from = channel.receive(rx);
      if (from == null) {
        break;
      }
      rx.flip();
      datagramsIn++;
      UtpPacket p;
      try {
        p = UtpPacket.decode(rx);
      } catch (UtpPacket.Malformed e) {
        malformed++;
        continue;
      }
      dispatch(p, (InetSocketAddress) from, now);
    }
    for (UtpConnection c : acking) {
      if (c.ackDue && c.state == UtpConnection.State.CONNECTED) {
        c.sendState(now);
      }
    }
    acking.clear();
  }

  private void dispatch(UtpPacket p, InetSocketAddress from, long now) {
    if (p.type() == UtpPacket.ST_SYN) {
      // The initiator receives on the SYN's id and sends on id + 1 (BEP 29).
      Key key = new Key(from, (p.connectionId() + 1) & 0xFFFF);
      UtpConnection c = connections.get(key);
      if (c != null) {
        c.onPacket(p, now); // a repeated SYN
        return;
      }
      c =
          new UtpConnection(
              this, from, key.connectionId(), p.connectionId(), random.nextInt(0x10000));
      if (!onSyn.test(c)) {
        reset(from, p.connectionId(), p.seq(), now);
        return;
      }
      connections.put(key, c);
      c.accept(p, now);
      return;
    }
    UtpConnection c = connections.get(new Key(from, p.connectionId()));
    if (c == null) {
      if (p.type() != UtpPacket.ST_RESET) {
        reset(from, p.connectionId(), p.seq(), now);
      }
      return;
    }
    c.onPacket(p, now);
  }

  private void reset(InetSocketAddress to, int connectionId, int seq, long now) {
    if (now - resetSecond >= 1_000_000_000L) {
      resetSecond = now;
      resetsThisSecond = 0;
    }
    if (++resetsThisSecond > RESETS_PER_SECOND) {
      return;
    }
    ByteBuffer b = txBuffer();
    UtpPacket.encodeHeader(
        b,
        UtpPacket.ST_RESET,
        connectionId,
        UtpConnection.micros(now),
        0,
        0,
        random.nextInt(0x10000),
        seq,
        null);
    b.flip();
    send(b, to);
  }

  /** Runs every connection's timers. */
  void tick(long now) {
    for (UtpConnection c : new ArrayList<>(connections.values())) {
      c.tick(now);
    }
  }

  /** Connections that connected, have data, have room to write, or failed since the last call. */
  List<UtpConnection> drainReady() {
    if (ready.isEmpty()) {
      return List.of();
    }
    List<UtpConnection> list = new ArrayList<>(ready);
    ready.clear();
    return list;
  }

  /** Bytes a writer may still queue, all connections together. */
  long sendRoom() {
    return Math.max(0, SEND_BUDGET - sendHeld);
  }

  /** Bytes the connections may still buffer of what they receive, all together. */
  long receiveRoom() {
    return Math.max(0, RECEIVE_BUDGET - receiveHeld);
  }

  void sendTaken(long bytes) {
    sendHeld += bytes;
  }

  /** Acknowledged or dropped: writers that waited for room are told once a quarter is free. */
  void sendFreed(long bytes) {
    sendHeld -= bytes;
    if (!waitingForRoom.isEmpty() && sendHeld <= SEND_BUDGET * 3 / 4) {
      ready.addAll(waitingForRoom);
      waitingForRoom.clear();
    }
  }

  /** {@code c} could not take all it was given for want of room: told when there is some. */
  void waitForRoom(UtpConnection c) {
    waitingForRoom.add(c);
  }

  void receiveTaken(long bytes) {
    receiveHeld += bytes;
  }

  void receiveFreed(long bytes) {
    receiveHeld -= bytes;
  }

  long sendHeld() {
    return sendHeld;
  }

  long receiveHeld() {
    return receiveHeld;
  }

  void ready(UtpConnection c) {
    ready.add(c);
  }

  void ackLater(UtpConnection c) {
    acking.add(c);
  }

  void remove(UtpConnection c) {
    connections.remove(new Key(c.remote, c.recvId), c);
    acking.remove(c);
    waitingForRoom.remove(c);
  }

  /** The one send buffer, cleared: filled and sent before anything else uses it. */
  ByteBuffer txBuffer() {
    tx.clear();
    return tx;
  }

  /** Sends one datagram; a full socket buffer drops it, which uTP treats as any other loss. */
  void send(ByteBuffer datagram, InetSocketAddress to) {
    try {
      channel.send(datagram, to);
    } catch (IOException e) {
      LOG.log(Level.FINE, "uTP send to " + to, e);
    }
  }

  void close() {
    for (UtpConnection c : new ArrayList<>(connections.values())) {
      c.close();
    }
    try {
      channel.close();
    } catch (IOException e) {
      LOG.log(Level.FINE, "close uTP socket", e);
    }
  }
}
