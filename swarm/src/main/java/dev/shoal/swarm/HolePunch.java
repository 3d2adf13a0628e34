package dev.shoal.swarm;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Hole punching through a relay peer (BEP 55, {@code ut_holepunch} over the BEP 10 extension
 * protocol; the design and its limits are in the module README, "Behind NAT"). Engine thread only.
 *
 * <p>Three roles: an <b>initiator</b> whose dial failed asks a relay ({@link #dialFailed}); the
 * <b>relay</b>, connected to both, tells each side the other's endpoint; each side then opens a
 * connection from its listening port ({@link Engine#connectFromListenPort}), so that the two SYNs
 * cross and each opens its own NAT for the other. With uTP on, the initiator dials uTP instead and
 * the other side opens its NAT with empty datagrams ({@link #punchUdp}).
 */
final class HolePunch {
  private static final Logger LOG = Logger.getLogger(HolePunch.class.getName());

  /** Our extension id for ut_holepunch, advertised in the extension handshake's "m". */
  static final int OUR_ID = 4;

  static final int RENDEZVOUS = 0;
  static final int CONNECT = 1;
  static final int ERROR = 2;
  static final int NOT_CONNECTED = 2;
  static final int NO_SUPPORT = 3;
  static final int NO_SELF = 4;

  private static final long SECOND = 1_000_000_000L;
  // A target is asked for at most once per 30 s (a failed dial's longest back-off), and a peer's
  // messages beyond 8 a second are dropped: a relay must not become a tool to spray connections.
  private static final long RETRY_NANOS = 30 * SECOND;
  private static final int MAX_MESSAGES_PER_SECOND = 8;
  private static final int MAX_TARGETS = 4096;

  /** One decoded message; {@code error} is 0 unless the type is {@link #ERROR}. */
  record Message(int type, InetSocketAddress address, int error) {}

  /** Empty datagrams a uTP punch's target sends to open its NAT (three: one may be lost). */
  private static final int POKES = 3;

  private final Engine engine;

  /** Targets we asked a relay for (we are the initiator of their punch), and when. */
  private final Map<InetSocketAddress, Long> asked = bounded();

  /** Initiators a relay told us about over uTP, and when: we do not ask for them ourselves. */
  private final Map<InetSocketAddress, Long> answered = bounded();

  HolePunch(Engine engine) {
    this.engine = engine;
  }

  private static Map<InetSocketAddress, Long> bounded() {
    return new LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<InetSocketAddress, Long> eldest) {
        return size() > MAX_TARGETS;
      }
    };
  }

  static byte[] encode(int type, InetSocketAddress address, int error) {
    byte[] ip = address.getAddress().getAddress();
    ByteBuffer b = ByteBuffer.allocate(2 + ip.length + 2 + 4);
    b.put((byte) type).put((byte) (ip.length == 4 ? 0 : 1)).put(ip);
    b.putShort((short) address.getPort()).putInt(error);
    return b.array();
  }

  /** Null when malformed (unknown type or address type, wrong length). */
  static Message decode(ByteBuffer body) {
    ByteBuffer b = body.duplicate();
    if (b.remaining() < 2) {
      return null;
    }
    int type = b.get() & 0xff;
    int addrType = b.get() & 0xff;
    int len = addrType == 0 ? 4 : addrType == 1 ? 16 : -1;
    if (type > ERROR || len < 0 || b.remaining() != len + 6) {
      return null;
    }
    byte[] ip = new byte[len];
    b.get(ip);
    int port = b.getShort() & 0xffff;
    int error = b.getInt();
    try {
      return new Message(type, new InetSocketAddress(InetAddress.getByAddress(ip), port), error);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** Where a connected peer can be reached: the address we dialled, or the one it listens on. */
  static InetSocketAddress endpoint(Peer q) {
    return q.outgoing ? q.address : q.listenAddress;
  }

  /** Our dial to {@code target} failed: ask a relay that supports it (the origin seeder first). */
  void dialFailed(Torrent t, InetSocketAddress target) {
    if (!engine.config.holePunch() || engine.listenPort() == 0 || target.getPort() == 0) {
      return; // without a listening port there is nothing to connect from
    }
    long now = System.nanoTime();
    if (recent(asked, target, now) || recent(answered, target, now)) {
      return;
    }
    Peer relay = null;
    for (Peer q : t.peers) {
      if (q.holepunchId > 0 && !q.closed && !target.equals(endpoint(q))) {
        if (relay == null || (q.origin && !relay.origin)) {
          relay = q;
        }
      }
    }
    if (relay == null) {
      return;
    }
    asked.put(target, now);
    relay.sendExtended(relay.holepunchId, encode(RENDEZVOUS, target, 0));
    engine.flushLater(relay);
    LOG.fine(() -> "asked for a hole punch to " + target);
  }

  /** A ut_holepunch message from {@code from}. */
  void onMessage(Peer from, ByteBuffer body) {
    long now = System.nanoTime();
    if (now - from.holepunchWindowStart > SECOND) {
      from.holepunchWindowStart = now;
      from.holepunchMessages = 0;
    }
    if (++from.holepunchMessages > MAX_MESSAGES_PER_SECOND || from.holepunchId == 0) {
      return;
    }
    Message m = decode(body);
    if (m == null) {
      return;
    }
    Torrent t = from.torrent;
    switch (m.type()) {
      case RENDEZVOUS -> relay(t, from, m.address());
      case CONNECT -> connect(t, m.address());
      default -> LOG.fine(() -> "hole punch to " + m.address() + " refused: error " + m.error());
    }
  }

  private static boolean recent(Map<InetSocketAddress, Long> times, InetSocketAddress a, long now) {
    Long last = times.get(a);
    return last != null && now - last < RETRY_NANOS;
  }

  /** The relay says: connect to {@code x}, which is told to connect to us. */
  private void connect(Torrent t, InetSocketAddress x) {
    for (Peer q : t.peers) {
      if (x.equals(endpoint(q)) || x.equals(q.address)) {
        return; // already connected
      }
    }
    if (!t.acceptsPeers() || !engine.canConnect(x)) {
      return;
    }
    UtpSocket utp = engine.utpSocket();
    if (utp == null) {
      engine.connectFromListenPort(t, x);
    } else if (!dialling(x)) {
      punchUdp(t, x, utp);
    }
  }

  /**
   * Over UDP, one uTP connection, never two crossing ones (uTP has no simultaneous open: each side
   * would accept the other's SYN, and the duplicate check could close both). The side that asked
   * dials; the other sends a few empty datagrams from its uTP socket, which open its NAT for the
   * dial's SYN (retried after 1 s, should the first arrive before them) and which every uTP stack
   * drops as malformed, without an answer. The target punches over TCP as well, for an initiator
   * without uTP (or whose uTP dial fails: it falls back to TCP from its listening port, whose SYN
   * crosses this one's retries); it does not ask a relay for the initiator itself meanwhile.
   */
  private void punchUdp(Torrent t, InetSocketAddress x, UtpSocket utp) {
    long now = System.nanoTime();
    if (recent(asked, x, now)) {
      LOG.fine(() -> "hole punch to " + x + " over uTP");
      engine.connectUtpFromListenPort(t, x);
      return;
    }
    answered.put(x, now);
    for (int i = 0; i < POKES; i++) {
      utp.send(ByteBuffer.allocate(0), x);
    }
    engine.connectFromListenPort(t, x);
  }

  /** A connection to {@code x} is under way already (a punch's dial, or a uTP SYN from it). */
  private boolean dialling(InetSocketAddress x) {
    for (Peer q : engine.peers()) {
      if (!q.closed && x.equals(q.address)) {
        return true;
      }
    }
    return false;
  }

  private void relay(Torrent t, Peer from, InetSocketAddress target) {
    InetSocketAddress fromAt = endpoint(from);
    if (target.equals(fromAt)) {
      reply(from, ERROR, target, NO_SELF);
      return;
    }
    Peer to = null;
    for (Peer q : t.peers) {
      if (q != from && !q.closed && target.equals(endpoint(q))) {
        to = q;
        break;
      }
    }
    if (to == null || fromAt == null) {
      reply(from, ERROR, target, NOT_CONNECTED);
    } else if (to.holepunchId == 0
        || !(target.getAddress() instanceof Inet4Address)
            && fromAt.getAddress() instanceof Inet4Address) {
      reply(from, ERROR, target, NO_SUPPORT);
    } else {
      reply(to, CONNECT, fromAt, 0);
      reply(from, CONNECT, target, 0);
    }
  }

  private void reply(Peer p, int type, InetSocketAddress address, int error) {
    p.sendExtended(p.holepunchId, encode(type, address, error));
    engine.flushLater(p);
  }
}
