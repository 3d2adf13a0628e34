package dev.shoal.swarm;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.BitSet;
import java.util.LinkedHashSet;

/**
 * One peer connection: buffers, framing and the per-peer protocol state. All methods run on the
 * engine thread. Semantics (what to request, whom to unchoke) live in {@link Torrent}.
 */
final class Peer {
  /** A block request from the remote peer. */
  record Request(int piece, int begin, int length) {}

  /** TCP or uTP: nothing above the byte stream differs. */
  final Transport transport;

  final InetSocketAddress address;

  /** Where the peer listens (its "p" in the extension handshake); avoids dialling it twice. */
  InetSocketAddress listenAddress;

  final boolean outgoing;

  /** The peer's extension id for ut_holepunch (BEP 55); 0: it did not advertise it. */
  int holepunchId;

  /** Holepunch messages it sent in the current second (a relay forwards only a few). */
  int holepunchMessages;

  long holepunchWindowStart;

  /**
   * A hole-punching uTP dial ({@link HolePunch}): an unanswered SYN falls back to TCP from the
   * listening port, not to a plain dial.
   */
  boolean punch;

  /** The TCP socket's registration; null on uTP, whose socket the engine polls as a whole. */
  SelectionKey key;

  Torrent torrent;
  byte[] remoteId;

  /** The publisher's origin seeder (its peer id says so): its bytes count as origin bytes. */
  boolean origin;

  /**
   * The connection comes from our LAN ({@link LanNetworks}, from the kernel's address, never from
   * anything the peer says). See {@link #lanPeer()}.
   */
  boolean lan;

  /**
   * The other half of a dial race (a uTP dial and the TCP dial started beside it when the SYN went
   * unanswered for {@link Engine#UTP_HEAD_START}); null once one of them connected or failed.
   */
  Peer rival;

  /** A uTP dial whose TCP rival was started (and may have failed already). */
  boolean tcpRaced;

  boolean handshakeSent;
  boolean handshakeReceived;
  boolean connected;
  boolean closed;
  boolean banned;

  /** Set once the handshake names the torrent; frames and checks everything after it. */
  WireDecoder decoder;

  boolean fast;
  boolean extended;
  boolean amChoking = true;
  boolean amInterested;
  boolean peerChoking = true;
  boolean peerInterested;
  boolean optimistic;
  int remoteReqq = 250;
  BitSet has = new BitSet();
  boolean hasAll;

  /**
   * Pieces it advertised but refused (REJECT while unchoking us): no longer believed, whatever HAVE
   * or HAVE_ALL it sends later.
   */
  final BitSet refused = new BitSet();

  /** Its requests we did not queue (choked, duplicate, queue full); decays every second. */
  int refusedRequests;

  /** Piece data it sent this second that we had not asked for (or had cancelled). */
  long unrequestedBytes;

  /** Our outstanding requests to this peer: key = piece << 32 | begin. */
  final LinkedHashSet<Long> requested = new LinkedHashSet<>();

  int requestDepth = 32;

  /** Its requests we will serve, in order; a set, so a duplicate is never served twice. */
  final LinkedHashSet<Request> peerRequests = new LinkedHashSet<>();

  ByteBuffer in;

  /** Write buffer in fill mode; bytes before {@code outStart} are already sent. */
  final ByteBuffer out = ByteBuffer.allocateDirect(256 * 1024);

  int outStart;
  ByteBuffer control = ByteBuffer.allocate(4096);

  final Rate down = new Rate();
  final Rate up = new Rate();
  long lastReceiveNanos = System.nanoTime();
  long lastBlockNanos;

  /** Held requests for 20 s without sending data; gets no new requests until it delivers. */
  boolean snubbed;

  long lastRequestNanos;
  long lastSendNanos = System.nanoTime();
  final long createdNanos = System.nanoTime();

  Peer(Transport transport, InetSocketAddress address, boolean outgoing) {
    this.transport = transport;
    this.address = address;
    this.outgoing = outgoing;
    this.in = ByteBuffer.allocateDirect(128 * 1024);
  }

  /** Grows the read buffer when the torrent's bitfield message would not fit (>1M pieces). */
  void ensureReadCapacity(int bytes) {
    if (in.capacity() < bytes) {
      ByteBuffer bigger = ByteBuffer.allocateDirect(bytes);
      bigger.put(in).flip(); // in is in read mode here; so is the copy
      in = bigger;
    }
  }

  /**
   * A player on our LAN: asked first, and a player's uploads to it are not held to the upload caps
   * (its traffic stays in the home). The origin seeder is never one: its bytes are the publisher's.
   */
  boolean lanPeer() {
    return lan && !origin;
  }

  boolean isSeed(int pieceCount) {
    return hasAll || has.cardinality() == pieceCount;
  }

  boolean hasPiece(int index) {
    return hasAll || has.get(index);
  }

  // ---- the state the torrent keeps about this peer, changed only through these ----

  /** Its pieces are {@code bits} now (a BITFIELD, or a seed's pieces counted one by one again). */
  void setPieces(BitSet bits) {
    has = bits;
    hasAll = false;
  }

  /** It has every piece: counted once as a seed, its bit set dropped. */
  void becomeSeed() {
    has = new BitSet();
    hasAll = true;
  }

  /** It sent a block of piece data now: not snubbed (any more). */
  void delivered(long nowNanos) {
    lastBlockNanos = nowNanos;
    snubbed = false;
  }

  /** It held our requests for too long without sending anything. */
  void snub() {
    snubbed = true;
  }

  /** One more of its requests refused; returns how many it has run up (decaying). */
  int refusedOne() {
    return ++refusedRequests;
  }

  /** Piece data it sent that we had not asked for. */
  void unrequested(long bytes) {
    unrequestedBytes += bytes;
  }

  /** Once a second: the refused count decays, the unrequested bytes start over. */
  void newSecond(int refusedDecay) {
    refusedRequests = Math.max(0, refusedRequests - refusedDecay);
    unrequestedBytes = 0;
  }

  /** How many blocks we keep requested from it; the snub clock starts with the first request. */
  void setRequestDepth(int depth) {
    requestDepth = depth;
  }

  void firstRequestSent(long nowNanos) {
    lastRequestNanos = nowNanos;
  }

  /** Whether it holds the optimistic unchoke. */
  void setOptimistic(boolean optimistic) {
    this.optimistic = optimistic;
  }

  // ---- outgoing messages (queued in the control buffer, flushed by the engine) ----

  void sendHandshake(byte[] infoHash, byte[] peerId) {
    ByteBuffer b = reserve(Wire.HANDSHAKE_LEN);
    b.put((byte) 19).put(Wire.PROTOCOL);
    byte[] reserved = new byte[8];
    reserved[5] = 0x10; // BEP 10 extension protocol
    reserved[7] = 0x04; // BEP 6 fast extension
    b.put(reserved).put(infoHash).put(peerId);
    handshakeSent = true;
  }

  void sendSimple(int id) {
    reserve(5).putInt(1).put((byte) id);
  }

  void sendHave(int index) {
    reserve(9).putInt(5).put((byte) Wire.HAVE).putInt(index);
  }

  void sendBitfield(BitSet bits, int pieceCount) {
    int len = (pieceCount + 7) / 8;
    ByteBuffer b = reserve(5 + len);
    b.putInt(1 + len).put((byte) Wire.BITFIELD);
    byte[] raw = new byte[len];
    for (int i = bits.nextSetBit(0); i >= 0 && i < pieceCount; i = bits.nextSetBit(i + 1)) {
      raw[i >> 3] |= (byte) (0x80 >>> (i & 7));
    }
    b.put(raw);
  }

  void sendRequest(int id, int piece, int begin, int length) {
    reserve(17).putInt(13).put((byte) id).putInt(piece).putInt(begin).putInt(length);
  }

  void sendExtended(int extId, byte[] payload) {
    reserve(6 + payload.length)
        .putInt(2 + payload.length)
        .put((byte) Wire.EXTENDED)
        .put((byte) extId)
        .put(payload);
  }

  /**
   * BEP 6 reject, only with the fast extension. Rejects are advisory, so they are dropped while a
   * peer that floods us does not read what we already queued: our buffer stays small.
   */
  void reject(int piece, int begin, int length) {
    if (fast && control.position() < 16 * 1024) {
      sendRequest(Wire.REJECT, piece, begin, length);
    }
  }

  void sendKeepAlive() {
    reserve(4).putInt(0);
  }

  void choke(boolean choke) {
    if (amChoking != choke) {
      amChoking = choke;
      sendSimple(choke ? Wire.CHOKE : Wire.UNCHOKE);
      if (choke) {
        rejectAll();
      }
    }
  }

  void interested(boolean want) {
    if (amInterested != want) {
      amInterested = want;
      sendSimple(want ? Wire.INTERESTED : Wire.NOT_INTERESTED);
    }
  }

  /** Drops the peer's queued requests; with the fast extension each gets an explicit reject. */
  void rejectAll() {
    for (Request r : peerRequests) {
      reject(r.piece(), r.begin(), r.length());
    }
    peerRequests.clear();
  }

  private ByteBuffer reserve(int n) {
    if (control.remaining() < n) {
      ByteBuffer bigger =
          ByteBuffer.allocate(Math.max(control.capacity() * 2, control.position() + n));
      control.flip();
      bigger.put(control);
      control = bigger;
    }
    return control;
  }

  int controlBytes() {
    return control.position();
  }

  /** Moves queued control messages into the socket buffer, as far as they fit. */
  void drainControl() {
    if (control.position() == 0) {
      return;
    }
    makeRoom(control.position());
    control.flip();
    int n = Math.min(control.remaining(), out.remaining());
    ByteBuffer slice = control.slice();
    slice.limit(n);
    out.put(slice);
    control.position(control.position() + n);
    control.compact();
  }

  /** Writes what is buffered; returns true if everything went out. */
  boolean writeOut() throws IOException {
    if (out.position() == outStart) {
      return true;
    }
    ByteBuffer view = out.duplicate();
    view.flip().position(outStart);
    transport.write(view);
    lastSendNanos = System.nanoTime();
    outStart = view.position();
    if (outStart == out.position()) {
      out.clear();
      outStart = 0;
      return true;
    }
    return false;
  }

  /**
   * Makes room at the tail of the write buffer. Compacting only when needed avoids moving up to 256
   * KiB after every partial socket write.
   */
  void makeRoom(int needed) {
    if (out.remaining() < needed && outStart > 0) {
      ByteBuffer view = out.duplicate();
      view.flip().position(outStart);
      out.clear();
      out.put(view);
      outStart = 0;
    }
  }

  boolean pendingOutput() {
    return out.position() > outStart || control.position() > 0;
  }

  @Override
  public String toString() {
    return address.toString();
  }
}
