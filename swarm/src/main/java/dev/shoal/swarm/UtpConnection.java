package dev.shoal.swarm;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One uTP connection (BEP 29) as a byte stream: packetising, acks and selective acks, timeouts and
 * retransmission, LEDBAT ({@link Ledbat}) and both receive windows. Runs on the thread that owns
 * its {@link UtpSocket}; times are {@link System#nanoTime()} values passed in.
 */
final class UtpConnection extends Transport {
  enum State {
    SYN_SENT,
    CONNECTED,
    CLOSED
  }

  /**
   * What we buffer of the peer's data (in order and out of order): our advertised window. 512 KiB
   * carries 5 MB/s at 100 ms of RTT from one peer; a reader held back by the download cap leaves at
   * most this much per connection on the heap.
   */
  static final int RECV_BUFFER = 512 * 1024;

  /** Most bytes the writer may queue before they become packets. */
  static final int SEND_BUFFER = 256 * 1024;

  /**
   * The queue starts this small and doubles while the congestion window needs more: most peers of a
   * swarm never carry more than a few packets at a time, and 256 KiB each up front for 200 of them
   * is 50 MiB of heap.
   */
  static final int FIRST_SEND_BUFFER = 16 * 1024;

  /** Largest congestion window: a 1 MiB window fills a 100 Mbit/s path with 80 ms of RTT. */
  static final int MAX_WINDOW = 1 << 20;

  /** Packets a sequence number may run ahead of the cumulative ack, both ways. */
  static final int MAX_AHEAD = 1024;

  private static final int RING = 2048; // > MAX_AHEAD, power of two
  private static final long MS = 1_000_000L;
  static final long MIN_RTO = 500 * MS;
  private static final long MAX_RTO = 60_000 * MS;

  /** Consecutive timeouts (0.5+1+2+4+8+16 s with back-off) after which the peer is gone. */
  static final int MAX_TIMEOUTS = 6;

  private static final int SYN_TRIES = 4;

  private final UtpSocket socket;
  final InetSocketAddress remote;
  final int recvId;
  final int sendId;
  final int mss;
  final Ledbat ledbat;
  State state;
  String error;

  /** The owner's object for this connection (the engine's {@link Peer}). */
  Object attachment;

  // ---- sending
  private int seqNr;
  private int ackedUpTo;
  private final Out[] ring = new Out[RING];
  private int unacked;
  private long inFlightBytes;

  /**
   * What the writer queued and is not yet in packets: {@code queue[queueHead..queueTail)}. Packets
   * are cut from the head without moving the rest; the bytes move down only when the writer needs
   * the room (a ByteBuffer compacted on every ack moved up to 256 KiB per packet sent).
   */
  private byte[] queue = new byte[FIRST_SEND_BUFFER];

  private int queueHead;
  private int queueTail;
  private int peerWindow = MAX_WINDOW;
  private int dupAcks;
  private int lossSeq;
  private long rttMicros;
  private long rttVarMicros;
  private boolean rttSeeded;
  private long rto = 1000 * MS;
  private long timerStart;
  private int timeouts;
  private long synSentAt;
  private int synTries;
  private boolean wantWrite;

  /** An ack covered a packet the timer gave up for lost before it was sent again. */
  private boolean spuriousTimeout;

  // ---- receiving
  private int ackNr;
  private final byte[][] outOfOrder = new byte[RING][];
  private int outOfOrderCount;
  private long outOfOrderBytes;
  private final ByteRing received = new ByteRing(FIRST_SEND_BUFFER, RECV_BUFFER);
  private int finSeq = -1;
  private boolean eof;
  private int replyMicros;
  boolean ackDue;

  /** Its buffers were given back to the socket's budgets (closed, aborted or failed). */
  private boolean released;

  /** Statistics, for tests and logs. */
  long retransmits;

  long fastRetransmits;
  long timeoutCount;

  /** The window the last undone timeout gave back (0: none undone yet). */
  int windowRestored;

  private static final class Out {
    final int seq;
    final byte[] payload;
    long sentAt;
    int transmissions;
    boolean sacked;
    boolean lost;
    boolean fastResent;

    /** The retransmission timer gave it up at least once. */
    boolean timedOut;

    Out(int seq, byte[] payload) {
      this.seq = seq;
      this.payload = payload;
    }
  }

  UtpConnection(UtpSocket socket, InetSocketAddress remote, int recvId, int sendId, int seq) {
    this.socket = socket;
    this.remote = remote;
    this.recvId = recvId;
    this.sendId = sendId;
    this.mss = socket.maxPayload(remote) - UtpPacket.HEADER;
    this.ledbat = new Ledbat(mss, MAX_WINDOW);
    this.seqNr = seq & 0xFFFF;
    this.ackedUpTo = (seq - 1) & 0xFFFF;
    this.lossSeq = ackedUpTo;
  }

  /** Signed distance from {@code b} to {@code a} in 16-bit sequence space. */
  static int seqDiff(int a, int b) {
    return (short) (a - b);
  }

  static int micros(long nanos) {
    return (int) (nanos / 1000);
  }

  // ---------------------------------------------------------------- set-up

  /** We dial: sends the SYN, whose connection id is the one we receive on (BEP 29). */
  void sendSyn(long now) {
    state = State.SYN_SENT;
    synSentAt = now;
    synTries++;
    sendControl(UtpPacket.ST_SYN, recvId, seqNr, now, null);
    if (synTries == 1) {
      seqNr = (seqNr + 1) & 0xFFFF; // the SYN takes a sequence number
      ackedUpTo = seqNr - 1 & 0xFFFF;
      lossSeq = ackedUpTo;
    }
  }

  /** We accept: the SYN's sequence number is the last one received in order. */
  void accept(UtpPacket syn, long now) {
    state = State.CONNECTED;
    ackNr = syn.seq();
    replyMicros = micros(now) - syn.timestamp();
    peerWindow = Math.max(syn.window(), 0);
    sendState(now);
  }

  // ---------------------------------------------------------------- incoming

  void onPacket(UtpPacket p, long now) {
    if (state == State.CLOSED) {
      return;
    }
    replyMicros = micros(now) - p.timestamp();
    switch (p.type()) {
      case UtpPacket.ST_RESET -> {
        fail("reset by peer");
        return;
      }
      case UtpPacket.ST_SYN -> {
        if (state == State.CONNECTED && p.seq() == ackNr) {
          sendState(now); // our answer to its SYN got lost
        }
        return;
      }
      default -> {
        // data, state, fin
      }
    }
    if (state == State.SYN_SENT) {
      if (seqDiff(p.ack(), ackedUpTo) != 0) {
        return; // not an answer to our SYN
      }
      state = State.CONNECTED;
      // A STATE carries the next sequence number without taking it; a DATA takes its own.
      ackNr = (p.seq() - 1) & 0xFFFF;
      rto = Math.max(MIN_RTO, 3 * (now - synSentAt));
      socket.ready(this);
    }
    peerWindow = p.window();
    processAck(p, now);
    if (state != State.CONNECTED) {
      return;
    }
    if (p.type() == UtpPacket.ST_DATA || p.type() == UtpPacket.ST_FIN) {
      processData(p, now);
    }
    pump(now);
  }

  private void processAck(UtpPacket p, long now) {
    int newly = seqDiff(p.ack(), ackedUpTo);
    int sent = seqDiff((seqNr - 1) & 0xFFFF, ackedUpTo);
    if (newly < 0 || newly > sent) {
      return; // an old or impossible ack (spoofed, or from before a wrap): ignored
    }
    long before = inFlightBytes;
    long acked = 0;
    int echo = p.timestamp() - p.timestampDiff();
    boolean echoes = p.timestampDiff() != 0; // 0: the peer has received nothing from us yet
    for (int i = 1; i <= newly; i++) {
      Out o = take((ackedUpTo + i) & 0xFFFF);
      if (o != null) {
        acked += settle(o, echoes, echo, now);
        socket.sendFreed(o.payload.length);
      }
    }
    ackedUpTo = p.ack();
    if (p.sack() != null) {
      acked += selectiveAcks(p.ack(), p.sack(), echoes, echo, now);
    }
    if (spuriousTimeout) {
      undoTimeout();
      before = inFlightBytes + acked; // what was in flight, counting what the timer gave up
    }
    if (acked > 0 || newly > 0) {
      timeouts = 0;
      timerStart = now;
      dupAcks = 0;
      if (acked > 0 && p.timestampDiff() != 0) {
        ledbat.onAck((int) acked, p.timestampDiff(), before, now);
      }
      if (wantWrite && queued() < queue.length / 2) {
        wantWrite = false;
        socket.ready(this);
      }
    } else if (p.type() == UtpPacket.ST_STATE && unacked > 0 && peerWindow >= mss) {
      dupAcks++;
      if (dupAcks == 3) {
        Out oldest = ring[(ackedUpTo + 1) & (RING - 1)];
        if (oldest != null && !oldest.fastResent) {
          markLost(oldest, true);
        }
      }
    }
  }

  /**
   * Counts one acknowledged packet; returns its bytes if they were still counted in flight. {@code
   * echo} is our timestamp of the last packet the peer had received when it sent the ack (its
   * timestamp minus its timestamp_difference, so in our clock, BEP 29), if {@code echoes}.
   */
  private long settle(Out o, boolean echoes, int echo, long now) {
    long bytes = 0;
    if (!o.sacked && !o.lost) {
      inFlightBytes -= o.payload.length;
      bytes = o.payload.length;
    } else if (o.lost) {
      bytes = o.payload.length; // the original made it after all
    }
    if (o.timedOut
        && !o.fastResent
        && (o.transmissions == 1 || firstCopyArrived(o, echoes, echo))) {
      spuriousTimeout = true; // given up by the timer, and its first copy was acknowledged
    }
    if (o.transmissions == 1 && !o.sacked) {
      long sample = (now - o.sentAt) / 1000;
      rttSample(sample);
      ledbat.onRtt(sample);
    }
    return bytes;
  }

  /**
   * Sent twice, and the last packet the peer had seen when it acknowledged left before the copy
   * did: the first arrived (TCP's Eifel detection with timestamps, RFC 3522). With one or two
   * packets in flight, as on a slow or short path, this is the only way to tell. A peer that lies
   * here only makes its own connection send faster, as a lying ack always can.
   */
  private static boolean firstCopyArrived(Out o, boolean echoes, int echo) {
    return o.transmissions == 2 && echoes && echo - micros(o.sentAt) < 0;
  }

  private Out take(int seq) {
    int i = seq & (RING - 1);
    Out o = ring[i];
    if (o != null && o.seq == seq) {
      ring[i] = null;
      unacked--;
      return o;
    }
    return null;
  }

  private long selectiveAcks(int ack, byte[] sack, boolean echoes, int echo, long now) {
    long acked = 0;
    int last = (seqNr - 1) & 0xFFFF;
    int highestSacked = -1;
    for (int bit = 0; bit < sack.length * 8; bit++) {
      if ((sack[bit >> 3] & (1 << (bit & 7))) == 0) {
        continue;
      }
      int seq = (ack + 2 + bit) & 0xFFFF;
      if (seqDiff(seq, last) > 0) {
        break;
      }
      Out o = ring[seq & (RING - 1)];
      if (o != null && o.seq == seq && !o.sacked) {
        acked += settle(o, echoes, echo, now);
        if (o.lost) {
          o.lost = false; // no need to send it again
        }
        o.sacked = true;
      }
      highestSacked = bit;
    }
    if (highestSacked < 0) {
      return acked;
    }
    // A packet with three or more selectively acked packets after it was lost.
    int sackedAfter = 0;
    for (int bit = highestSacked; bit >= -1; bit--) {
      int seq = (ack + 2 + bit) & 0xFFFF;
      Out o = ring[seq & (RING - 1)];
      if (o == null || o.seq != seq) {
        continue;
      }
      if (o.sacked) {
        sackedAfter++;
      } else if (sackedAfter >= 3 && !o.fastResent && !o.lost) {
        markLost(o, true);
      }
    }
    return acked;
  }

  /**
   * The timer fired because acks were late, not lost (a peer's JVM paused, a loaded machine): what
   * it gave up and has not sent again is back in flight, the window back to what it was (as TCP's
   * Eifel response, RFC 4015).
   */
  private void undoTimeout() {
    spuriousTimeout = false;
    socket.spuriousTimeouts++;
    ledbat.undoTimeout();
    windowRestored = ledbat.window();
    for (int i = 1; unacked > 0 && i <= seqDiff((seqNr - 1) & 0xFFFF, ackedUpTo); i++) {
      Out o = ring[(ackedUpTo + i) & (RING - 1)];
      if (o == null) {
        continue;
      }
      if (o.lost && o.transmissions == 1 && !o.fastResent) {
        o.lost = false;
        inFlightBytes += o.payload.length;
      }
      o.timedOut = false; // undone once: its other packets' acks prove nothing new
    }
  }

  private void markLost(Out o, boolean fast) {
    if (!o.lost && !o.sacked) {
      inFlightBytes -= o.payload.length;
    }
    o.lost = true;
    if (fast) {
      o.fastResent = true;
      fastRetransmits++;
      // Halved once per window of data: the losses of one burst are one congestion event.
      if (seqDiff(o.seq, lossSeq) > 0) {
        ledbat.onLoss();
        lossSeq = (seqNr - 1) & 0xFFFF;
      }
    }
  }

  private void rttSample(long sample) {
    if (!rttSeeded) {
      rttSeeded = true;
      rttMicros = sample;
      rttVarMicros = sample / 2;
    } else {
      long delta = rttMicros - sample;
      rttVarMicros += (Math.abs(delta) - rttVarMicros) / 4;
      rttMicros += (sample - rttMicros) / 8;
    }
    rto = Math.max(MIN_RTO, (rttMicros + 4 * rttVarMicros) * 1000);
  }

  private void processData(UtpPacket p, long now) {
    int d = seqDiff(p.seq(), ackNr);
    if (d <= 0) {
      socket.duplicates++;
      ackDue = true; // a duplicate: our ack was lost, say it again
      socket.ackLater(this);
      return;
    }
    if (d > MAX_AHEAD || (finSeq >= 0 && seqDiff(p.seq(), finSeq) > 0)) {
      return; // out of the window: dropped without a word
    }
    int len = p.payload().remaining();
    if (received.size() + outOfOrderBytes + len > RECV_BUFFER || len > socket.receiveRoom()) {
      socket.overWindow++;
      sendState(now); // past the window we advertised: say how much room is left; it comes again
      return;
    }
    if (p.type() == UtpPacket.ST_FIN) {
      finSeq = p.seq();
    }
    if (d == 1) {
      socket.receiveTaken(len);
      deliver(p.payload().duplicate());
      ackNr = p.seq();
      while (outOfOrderCount > 0) {
        int next = (ackNr + 1) & 0xFFFF;
        byte[] b = outOfOrder[next & (RING - 1)];
        if (b == null) {
          break;
        }
        outOfOrder[next & (RING - 1)] = null;
        outOfOrderCount--;
        outOfOrderBytes -= b.length;
        deliver(ByteBuffer.wrap(b));
        ackNr = next;
      }
      if (finSeq >= 0 && ackNr == finSeq) {
        eof = true;
      }
      ackDue = true;
      socket.ackLater(this);
      socket.ready(this);
    } else {
      int i = p.seq() & (RING - 1);
      socket.outOfOrder++;
      if (outOfOrder[i] == null) {
        byte[] b = p.payloadBytes();
        outOfOrder[i] = b;
        outOfOrderCount++;
        outOfOrderBytes += b.length;
        socket.receiveTaken(b.length);
      }
      sendState(now); // at once, with the selective ack: the sender learns of the hole
    }
  }

  private void deliver(ByteBuffer payload) {
    received.put(payload);
  }

  // ---------------------------------------------------------------- the stream

  @Override
  int read(ByteBuffer dst) throws IOException {
    if (error != null) {
      throw new IOException("uTP: " + error);
    }
    long before = RECV_BUFFER - received.size() - outOfOrderBytes;
    int n = received.get(dst);
    socket.receiveFreed(n);
    if (n == 0 && eof) {
      return -1;
    }
    if (n > 0 && before < RECV_BUFFER / 4 && state == State.CONNECTED) {
      sendState(System.nanoTime()); // the window opened again: say so, the peer may be waiting
    }
    return n;
  }

  /** Whether {@link #read} has something to return (bytes or the end of the stream). */
  boolean readable() {
    return received.size() > 0 || eof || error != null;
  }

  @Override
  int write(ByteBuffer src) throws IOException {
    if (error != null || state == State.CLOSED) {
      throw new IOException("uTP: " + (error == null ? "closed" : error));
    }
    if (state != State.CONNECTED) {
      return 0;
    }
    if (src.remaining() > queue.length - queueTail) {
      makeRoom(src.remaining());
    }
    int n = (int) Math.min(Math.min(src.remaining(), queue.length - queueTail), socket.sendRoom());
    if (n < src.remaining() && socket.sendRoom() == 0) {
      socket.waitForRoom(this);
    }
    socket.sendTaken(n);
    src.get(queue, queueTail, n);
    queueTail += n;
    if (src.hasRemaining()) {
      wantWrite = true;
    }
    pump(System.nanoTime());
    return n;
  }

  /** Gives back to the socket's budgets what this connection holds; once. */
  private void release() {
    if (released) {
      return;
    }
    released = true;
    long sent = queued();
    for (int i = 0; i < RING; i++) {
      if (ring[i] != null) {
        sent += ring[i].payload.length;
        ring[i] = null;
      }
    }
    unacked = 0;
    socket.sendFreed(sent);
    socket.receiveFreed(received.size() + outOfOrderBytes);
  }

  private int queued() {
    return queueTail - queueHead;
  }

  /**
   * Room at the queue's tail for {@code wanted} bytes: the queued bytes move to the front, and the
   * queue doubles, up to {@link #SEND_BUFFER}, while it is under two windows.
   */
  private void makeRoom(int wanted) {
    int capacity = queue.length;
    boolean grow =
        queued() + wanted > capacity && capacity < SEND_BUFFER && capacity < 2L * ledbat.window();
    if (!grow && queueHead == 0) {
      return; // full, and may not grow: nothing to move
    }
    byte[] to = grow ? new byte[Math.min(SEND_BUFFER, capacity * 2)] : queue;
    System.arraycopy(queue, queueHead, to, 0, queued());
    queue = to;
    queueTail = queued();
    queueHead = 0;
  }

  /** The writer's queue's size now, for tests. */
  int sendBufferCapacity() {
    return queue.length;
  }

  /** Bytes written but not yet acknowledged (queued or in flight). */
  long unsentOrUnacked() {
    return queued() + (long) unacked * mss;
  }

  @Override
  void close() {
    release();
    if (state == State.CONNECTED) {
      // One FIN, not retransmitted: the peer also ends the connection on its own timeouts.
      sendControl(UtpPacket.ST_FIN, sendId, seqNr, System.nanoTime(), null);
      seqNr = (seqNr + 1) & 0xFFFF;
    }
    state = State.CLOSED;
    socket.remove(this);
  }

  /** Forgets the connection without a packet (a SYN nobody answered). */
  void abort() {
    release();
    state = State.CLOSED;
    socket.remove(this);
  }

  private void fail(String why) {
    release();
    if (error == null) {
      error = why;
    }
    state = State.CLOSED;
    socket.remove(this);
    socket.ready(this);
  }

  // ---------------------------------------------------------------- outgoing

  /** Sends what the windows allow: lost packets first, then new data. */
  void pump(long now) {
    if (state != State.CONNECTED) {
      return;
    }
    long window = Math.min(ledbat.window(), peerWindow);
    for (int i = 1; unacked > 0 && i <= seqDiff((seqNr - 1) & 0xFFFF, ackedUpTo); i++) {
      Out o = ring[(ackedUpTo + i) & (RING - 1)];
      if (o == null || !o.lost) {
        continue;
      }
      if (inFlightBytes > 0 && inFlightBytes + o.payload.length > window) {
        return;
      }
      o.lost = false;
      retransmits++;
      transmit(o, now);
    }
    while (queued() > 0 && unacked < MAX_AHEAD) {
      int len = Math.min(mss, queued());
      if (inFlightBytes > 0 && inFlightBytes + len > window) {
        break;
      }
      byte[] payload = Arrays.copyOfRange(queue, queueHead, queueHead + len);
      queueHead += len;
      Out o = new Out(seqNr, payload);
      ring[seqNr & (RING - 1)] = o;
      unacked++;
      seqNr = (seqNr + 1) & 0xFFFF;
      transmit(o, now);
    }
    if (queueHead == queueTail) {
      queueHead = 0;
      queueTail = 0;
    }
  }

  private void transmit(Out o, long now) {
    if (inFlightBytes == 0) {
      timerStart = now;
    }
    o.sentAt = now;
    o.transmissions++;
    if (o.transmissions > 1) {
      socket.resent++;
    }
    socket.dataSent++;
    inFlightBytes += o.payload.length;
    ByteBuffer b = socket.txBuffer();
    UtpPacket.encodeHeader(
        b, UtpPacket.ST_DATA, sendId, micros(now), replyMicros, ourWindow(), o.seq, ackNr, null);
    b.put(o.payload);
    b.flip();
    socket.send(b, remote);
    ackDue = false;
  }

  private int ourWindow() {
    long own = RECV_BUFFER - received.size() - outOfOrderBytes;
    return (int) Math.max(0, Math.min(own, socket.receiveRoom()));
  }

  void sendState(long now) {
    sendControl(UtpPacket.ST_STATE, sendId, seqNr, now, outOfOrderCount > 0 ? sackBits() : null);
    ackDue = false;
  }

  private void sendControl(int type, int connectionId, int seq, long now, byte[] sack) {
    ByteBuffer b = socket.txBuffer();
    UtpPacket.encodeHeader(
        b,
        type,
        connectionId,
        micros(now),
        type == UtpPacket.ST_SYN ? 0 : replyMicros,
        ourWindow(),
        seq,
        type == UtpPacket.ST_SYN ? 0 : ackNr,
        sack);
    b.flip();
    socket.send(b, remote);
  }

  /** Bit i: packet ackNr + 2 + i is here (BEP 29: least significant bit first). */
  private byte[] sackBits() {
    int highest = 0;
    for (int bit = 0; bit < MAX_AHEAD - 1; bit++) {
      if (outOfOrder[(ackNr + 2 + bit) & (RING - 1)] != null) {
        highest = bit;
      }
    }
    int bytes = Math.min(UtpPacket.MAX_SACK_BYTES, (highest / 32 + 1) * 4);
    byte[] sack = new byte[bytes];
    for (int bit = 0; bit < bytes * 8; bit++) {
      if (outOfOrder[(ackNr + 2 + bit) & (RING - 1)] != null) {
        sack[bit >> 3] |= (byte) (1 << (bit & 7));
      }
    }
    return sack;
  }

  // ---------------------------------------------------------------- timers

  void tick(long now) {
    if (state == State.SYN_SENT) {
      if (now - synSentAt >= (1000 * MS) << (synTries - 1)) {
        if (synTries >= SYN_TRIES) {
          fail("connect timeout");
        } else {
          sendSyn(now);
        }
      }
      return;
    }
    if (state != State.CONNECTED) {
      return;
    }
    if (unacked > 0 && now - timerStart >= rto) {
      timeoutCount++;
      socket.timeouts++;
      // A closed window is the reader being slow, not the path being gone: the packet sent anyway
      // is a probe, resent with back-off for as long as the peer keeps answering with acks.
      boolean probe = peerWindow < mss;
      if (!probe && ++timeouts > MAX_TIMEOUTS) {
        fail("timed out");
        return;
      }
      if (!probe) {
        ledbat.onTimeout();
      }
      rto = Math.min(MAX_RTO, rto * 2);
      for (int i = 1; i <= seqDiff((seqNr - 1) & 0xFFFF, ackedUpTo); i++) {
        Out o = ring[(ackedUpTo + i) & (RING - 1)];
        if (o != null && !o.sacked) {
          markLost(o, false);
          o.timedOut = true;
        }
      }
      lossSeq = (seqNr - 1) & 0xFFFF;
      timerStart = now;
      pump(now);
    }
    if (ackDue) {
      sendState(now);
    }
  }

  /** Bytes received in order that the reader has not taken yet. */
  long receivedBytes() {
    return received.size();
  }

  /** Bytes received out of order, waiting for a hole to fill. */
  long outOfOrderBytes() {
    return outOfOrderBytes;
  }

  /** The round trip time estimate in microseconds (0 before the first sample). */
  long rttMicros() {
    return rttMicros;
  }

  long rto() {
    return rto;
  }

  @Override
  public String toString() {
    return "utp";
  }
}
