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
 * cross and each opens its own NAT for the other.
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

  private final Engine engine;
  private final Map<InetSocketAddress, Long> asked =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetSocketAddress, Long> eldest) {
          return size() > MAX_TARGETS;
        }
      };

  HolePunch(Engine engine) {
    this.engine = engine;
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
    Long last = asked.get(target);
    if (last != null && now - last < RETRY_NANOS) {
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
      case CONNECT -> {
        for (Peer q : t.peers) {
          if (m.address().equals(endpoint(q)) || m.address().equals(q.address)) {
            return; // already connected
          }
        }
        if (t.acceptsPeers() && engine.canConnect(m.address())) {
          engine.connectFromListenPort(t, m.address());
        }
      }
      default -> LOG.fine(() -> "hole punch to " + m.address() + " refused: error " + m.error());
    }
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
