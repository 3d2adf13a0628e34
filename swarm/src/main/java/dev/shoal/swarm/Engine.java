package dev.shoal.swarm;

import dev.shoal.protocol.torrent.Bencode;
import dev.shoal.protocol.torrent.BencodeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The selector loop: one thread owns every socket and all swarm state. Two worker threads hash and
 * write pieces; the JDK HttpClient runs tracker and web seed requests. Anything coming from another
 * thread is queued with {@link #execute} and runs here.
 */
final class Engine implements Runnable {
  private static final Logger LOG = Logger.getLogger(Engine.class.getName());
  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000_000_000L;
  private static final int SOCKET_BUFFER = 2 * 1024 * 1024;

  final SwarmConfig config;
  final byte[] peerId;
  final TokenBucket upBucket;
  final TokenBucket downBucket;
  final ExecutorService workers;

  /** fsync + resume file writes: slow on busy disks, so never on the hashing threads. */
  final ExecutorService resumeWriter;

  private HttpClient http;
  private final Selector selector;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final List<Peer> peers = new ArrayList<>();
  private final Map<String, Torrent> torrents = new HashMap<>();
  private final Set<String> bannedAddresses = new HashSet<>();
  private final Set<String> bannedIds = new HashSet<>();
  private final Set<Peer> toFlush = new LinkedHashSet<>();
  private ServerSocketChannel server;
  private volatile int boundPort;
  private volatile boolean uploadEnabled;
  private volatile boolean running = true;
  boolean uploadThrottled;
  private long lastTick;
  private long lastHousekeeping;
  private long lastSecond;
  private long lastRechoke;
  private final Thread thread;

  Engine(SwarmConfig config) throws IOException {
    this.config = config;
    this.peerId = newPeerId(config.peerIdPrefix());
    this.upBucket = new TokenBucket(config.globalUpCap());
    this.downBucket = new TokenBucket(config.globalDownCap());
    this.selector = Selector.open();
    this.resumeWriter =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "shoal-swarm-resume");
              t.setDaemon(true);
              return t;
            });
    this.workers =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "shoal-swarm-worker");
              t.setDaemon(true);
              return t;
            });
    workers.execute(Engine::warmUpHashing);
    this.uploadEnabled = config.uploadEnabled();
    this.boundPort = config.listenPort();
    if (uploadEnabled) {
      openServer();
    }
    this.thread = new Thread(this, "shoal-swarm-engine");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * SHA-1 runs at ~100 MB/s until C2 has compiled the digest loop with its SHA-NI intrinsic, and ~2
   * GB/s after. Hashing 16 MiB of zeros at start gets that compilation queued before the first
   * piece arrives, instead of slowing the first tens of MiB of a download.
   */
  private static void warmUpHashing() {
    byte[] block = new byte[256 * 1024];
    for (int i = 0; i < 64; i++) {
      Torrent.matches("SHA-1", block, block.length, new byte[20]);
    }
  }

  private static byte[] newPeerId(String prefix) {
    byte[] id = new byte[20];
    byte[] p = prefix.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    System.arraycopy(p, 0, id, 0, 8);
    String alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
    SecureRandom r = new SecureRandom();
    for (int i = 8; i < 20; i++) {
      id[i] = (byte) alphabet.charAt(r.nextInt(alphabet.length()));
    }
    return id;
  }

  // ---------------------------------------------------------------- cross-thread API

  /** Created on first use: building it loads the TLS stack, which peer-only runs never need. */
  synchronized HttpClient http() {
    if (http == null) {
      http =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(10))
              .followRedirects(HttpClient.Redirect.NEVER)
              .build();
    }
    return http;
  }

  void execute(Runnable task) {
    tasks.add(task);
    selector.wakeup();
  }

  boolean uploadEnabled() {
    return uploadEnabled;
  }

  int listenPort() {
    return server == null ? 0 : boundPort;
  }

  int announcePort() {
    return boundPort == 0 ? 6881 : boundPort;
  }

  void shutdown() {
    running = false;
    selector.wakeup();
    try {
      thread.join(5000);
      workers.shutdown(); // lets queued piece writes finish, then the final resume save
      workers.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
      resumeWriter.shutdown();
      resumeWriter.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- engine-thread API

  /** Returns false if a torrent with the same info hash is already running. */
  boolean addTorrent(Torrent t) {
    return torrents.putIfAbsent(Torrent.hex(t.infoHash), t) == null;
  }

  void removeTorrent(Torrent t) {
    torrents.remove(Torrent.hex(t.infoHash));
    t.closeTorrent();
  }

  void setUploadEnabled(boolean enabled) {
    if (enabled == uploadEnabled) {
      return;
    }
    uploadEnabled = enabled;
    if (enabled) {
      try {
        openServer();
      } catch (IOException e) {
        LOG.log(Level.WARNING, "cannot listen", e);
      }
    } else {
      closeServer();
      for (Peer p : peers) {
        p.choke(true);
        flushLater(p);
      }
    }
  }

  private void openServer() throws IOException {
    ServerSocketChannel s = ServerSocketChannel.open();
    s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
    s.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
    try {
      s.bind(new InetSocketAddress(config.bindAddress(), boundPort), 128);
    } catch (IOException e) {
      if (boundPort == config.listenPort() && config.listenPort() != 0) {
        s.close();
        throw e;
      }
      s.bind(new InetSocketAddress(config.bindAddress(), 0), 128); // old port got taken
    }
    s.configureBlocking(false);
    boundPort = ((InetSocketAddress) s.getLocalAddress()).getPort();
    server = s;
    s.register(selector, SelectionKey.OP_ACCEPT);
  }

  private void closeServer() {
    if (server != null) {
      try {
        server.close();
      } catch (IOException e) {
        LOG.log(Level.FINE, "close server", e);
      }
      server = null;
    }
  }

  boolean canConnect(InetSocketAddress a) {
    if (peers.size() >= config.maxConnections() || bannedAddresses.contains(a.toString())) {
      return false;
    }
    boolean self =
        a.getPort() == boundPort
            && server != null
            && a.getAddress() != null
            && (a.getAddress().isLoopbackAddress() || a.getAddress().isAnyLocalAddress());
    return !self;
  }

  void connect(Torrent t, InetSocketAddress address) {
    try {
      SocketChannel ch = SocketChannel.open();
      tune(ch);
      ch.configureBlocking(false);
      Peer p = new Peer(ch, address, true);
      p.torrent = t;
      peers.add(p);
      boolean done = ch.connect(address);
      p.key = ch.register(selector, done ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, p);
      if (done) {
        onConnectFinished(p);
      }
    } catch (IOException | RuntimeException e) {
      t.connectFailed(address);
    }
  }

  private static void tune(SocketChannel ch) throws IOException {
    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
    ch.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
    ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
    ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
  }

  void ban(Peer p, String why) {
    LOG.warning("banning " + p.address + (p.outgoing ? " (outgoing)" : " (incoming)") + ": " + why);
    bannedAddresses.add(p.address.toString());
    if (p.remoteId != null) {
      bannedIds.add(Torrent.hex(p.remoteId));
    }
    close(p, "banned: " + why);
  }

  void close(Peer p, String why) {
    if (p.closed) {
      return;
    }
    p.closed = true;
    LOG.fine(() -> "closing " + p + ": " + why);
    if (p.key != null) {
      p.key.cancel();
    }
    try {
      p.channel.close();
    } catch (IOException e) {
      LOG.log(Level.FINE, "close", e);
    }
    peers.remove(p);
    toFlush.remove(p);
    if (p.torrent != null) {
      if (p.handshakeReceived && p.connected) {
        p.torrent.onDisconnected(p);
      } else if (p.outgoing) {
        p.torrent.connectFailed(p.address);
      }
    }
  }

  void flushLater(Peer p) {
    if (!p.closed) {
      toFlush.add(p);
    }
  }

  // ---------------------------------------------------------------- loop

  @Override
  public void run() {
    while (running) {
      try {
        selector.select(10);
        runTasks();
        handleKeys();
        long now = System.nanoTime();
        if (now - lastTick >= 10 * MS) {
          tick(now);
        }
        flushPending();
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.SEVERE, "engine loop error", e);
      }
    }
    closeAll();
  }

  private void closeAll() {
    for (Torrent t : new ArrayList<>(torrents.values())) {
      removeTorrent(t);
    }
    for (Peer p : new ArrayList<>(peers)) {
      close(p, "engine closed");
    }
    closeServer();
    runTasks();
    try {
      selector.close();
    } catch (IOException e) {
      LOG.log(Level.FINE, "close selector", e);
    }
  }

  private void runTasks() {
    Runnable r;
    while ((r = tasks.poll()) != null) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "task failed", e);
      }
    }
  }

  private void handleKeys() {
    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
    while (it.hasNext()) {
      SelectionKey key = it.next();
      it.remove();
      if (!key.isValid()) {
        continue;
      }
      if (key.channel() == server) {
        accept();
        continue;
      }
      Peer p = (Peer) key.attachment();
      try {
        if (key.isConnectable()) {
          p.channel.finishConnect();
          onConnectFinished(p);
        }
        if (key.isValid() && key.isReadable()) {
          read(p);
        }
        if (key.isValid() && key.isWritable()) {
          flushLater(p);
        }
      } catch (IOException | RuntimeException e) {
        // Whatever a peer does wrong only ever costs that one connection.
        close(p, e.toString());
      }
    }
  }

  private void accept() {
    for (int i = 0; i < 64 && server != null; i++) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        LOG.log(Level.FINE, "accept", e);
        return;
      }
      if (ch == null) {
        return;
      }
      try {
        if (peers.size() >= config.maxConnections()) {
          ch.close();
          continue;
        }
        tune(ch);
        ch.configureBlocking(false);
        Peer p = new Peer(ch, (InetSocketAddress) ch.getRemoteAddress(), false);
        p.connected = true;
        peers.add(p);
        p.key = ch.register(selector, SelectionKey.OP_READ, p);
      } catch (IOException e) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // nothing left to do
        }
      }
    }
  }

  private void onConnectFinished(Peer p) {
    p.connected = true;
    p.key.interestOps(SelectionKey.OP_READ);
    p.sendHandshake(p.torrent.infoHash, peerId);
    flushLater(p);
  }

  // ---------------------------------------------------------------- reading and framing

  private void read(Peer p) throws IOException {
    long allow = downBucket.available();
    if (p.torrent != null) {
      allow = Math.min(allow, p.torrent.downBucket.available());
    }
    if (allow <= 0) {
      p.key.interestOps(p.key.interestOps() & ~SelectionKey.OP_READ); // tick resumes it
      return;
    }
    ByteBuffer in = p.in;
    in.limit((int) Math.min(in.capacity(), in.position() + Math.min(allow, in.capacity())));
    int n = p.channel.read(in);
    in.limit(in.capacity());
    if (n < 0) {
      close(p, "EOF");
      return;
    }
    if (n > 0) {
      downBucket.consume(n);
      if (p.torrent != null) {
        p.torrent.downBucket.consume(n);
      }
      p.lastReceiveNanos = System.nanoTime();
    }
    in.flip();
    try {
      parse(p);
    } finally {
      in.compact();
    }
    if (!p.closed && p.torrent != null && p.handshakeReceived) {
      p.torrent.fillRequests(p);
      flushLater(p);
    }
  }

  private void parse(Peer p) throws IOException {
    ByteBuffer in = p.in;
    if (!p.handshakeReceived && !readHandshake(p)) {
      return;
    }
    while (!p.closed && in.remaining() >= 4) {
      int len = in.getInt(in.position());
      if (len < 0 || len > maxMessage(p)) {
        ban(p, "oversized message of " + len + " bytes");
        return;
      }
      if (in.remaining() < 4 + len) {
        return;
      }
      in.position(in.position() + 4);
      if (len == 0) {
        continue; // keep-alive
      }
      int end = in.position() + len;
      int id = in.get() & 0xff;
      ByteBuffer payload = in.slice();
      payload.limit(len - 1);
      in.position(end);
      dispatch(p, id, payload);
    }
  }

  private int maxMessage(Peer p) {
    int bitfield = p.torrent == null ? 0 : 1 + (p.torrent.pieceCount + 7) / 8;
    return Math.max(Wire.MAX_MESSAGE, bitfield);
  }

  /** Returns true once the 68-byte handshake is in; rejects MSE and garbage at the first byte. */
  private boolean readHandshake(Peer p) {
    ByteBuffer in = p.in;
    int avail = in.remaining();
    for (int i = 0; i < Math.min(avail, 20); i++) {
      byte expected = i == 0 ? (byte) 19 : Wire.PROTOCOL[i - 1];
      if (in.get(in.position() + i) != expected) {
        close(p, "not a BitTorrent handshake (encrypted or garbage)");
        return false;
      }
    }
    if (avail < Wire.HANDSHAKE_LEN) {
      return false;
    }
    byte[] hs = new byte[Wire.HANDSHAKE_LEN];
    in.get(hs);
    byte[] infoHash = Arrays.copyOfRange(hs, 28, 48);
    byte[] remoteId = Arrays.copyOfRange(hs, 48, 68);
    Torrent t = torrents.get(Torrent.hex(infoHash));
    if (t == null || (p.torrent != null && p.torrent != t) || !t.acceptsPeers()) {
      close(p, "unknown or inactive torrent");
      return false;
    }
    if (Arrays.equals(remoteId, peerId) || bannedIds.contains(Torrent.hex(remoteId))) {
      close(p, "self or banned peer id");
      return false;
    }
    for (Peer o : t.peers) {
      if (Arrays.equals(o.remoteId, remoteId)) {
        close(p, "duplicate connection");
        return false;
      }
    }
    p.torrent = t;
    p.remoteId = remoteId;
    p.extended = (hs[20 + 5] & 0x10) != 0;
    p.fast = (hs[20 + 7] & 0x04) != 0;
    p.handshakeReceived = true;
    if (!p.handshakeSent) {
      p.sendHandshake(t.infoHash, peerId);
    }
    t.onConnected(p);
    flushLater(p);
    return true;
  }

  private void dispatch(Peer p, int id, ByteBuffer m) throws IOException {
    Torrent t = p.torrent;
    int n = m.remaining();
    switch (id) {
      case Wire.CHOKE -> {
        p.peerChoking = true;
        t.onChoked(p);
      }
      case Wire.UNCHOKE -> p.peerChoking = false;
      case Wire.INTERESTED, Wire.NOT_INTERESTED -> {
        p.peerInterested = id == Wire.INTERESTED;
        t.onInterestChanged(p);
      }
      case Wire.HAVE -> t.onHave(p, pieceIndex(p, m, n, 4));
      case Wire.BITFIELD -> onBitfield(p, m, n);
      case Wire.REQUEST -> {
        int[] r = blockRef(p, m, n);
        if (r != null) {
          t.onRequest(p, r[0], r[1], r[2]);
        }
      }
      case Wire.PIECE -> onPiece(p, m, n);
      case Wire.CANCEL -> {
        int[] r = blockRef(p, m, n);
        if (r != null) {
          t.onCancel(p, r[0], r[1], r[2]);
        }
      }
      case Wire.HAVE_ALL -> t.onHaveAll(p);
      case Wire.REJECT -> {
        if (n == 12) {
          t.onReject(p, m.getInt(0), m.getInt(4));
        }
      }
      case Wire.EXTENDED -> onExtended(p, m, n);
      default -> {
        // HAVE_NONE, PORT (no DHT), SUGGEST (ignored), ALLOWED_FAST, unknown: tolerated
      }
    }
  }

  private int pieceIndex(Peer p, ByteBuffer m, int n, int expected) throws IOException {
    if (n != expected) {
      throw new IOException("bad HAVE length " + n);
    }
    int index = m.getInt(0);
    if (index < 0 || index >= p.torrent.pieceCount) {
      throw new IOException("piece index out of range: " + index);
    }
    return index;
  }

  private void onBitfield(Peer p, ByteBuffer m, int n) {
    int count = p.torrent.pieceCount;
    if (n != (count + 7) / 8) {
      ban(p, "bitfield of " + n + " bytes for " + count + " pieces");
      return;
    }
    BitSet bits = new BitSet(count);
    for (int i = 0; i < count; i++) {
      if ((m.get(i >> 3) & (0x80 >>> (i & 7))) != 0) {
        bits.set(i);
      }
    }
    p.torrent.onBitfield(p, bits);
  }

  /** Validates a REQUEST/CANCEL body; an over-long request is a protocol abuse, not a typo. */
  private int[] blockRef(Peer p, ByteBuffer m, int n) throws IOException {
    if (n != 12) {
      throw new IOException("bad request length " + n);
    }
    int piece = m.getInt(0);
    int begin = m.getInt(4);
    int length = m.getInt(8);
    Torrent t = p.torrent;
    if (piece < 0 || piece >= t.pieceCount || begin < 0 || length <= 0) {
      return null;
    }
    if (length > Wire.BLOCK) {
      ban(p, "request for " + length + " bytes");
      return null;
    }
    return (long) begin + length <= t.meta.pieceSize(piece)
        ? new int[] {piece, begin, length}
        : null;
  }

  private void onPiece(Peer p, ByteBuffer m, int n) throws IOException {
    if (n < 8) {
      throw new IOException("short PIECE message");
    }
    int piece = m.getInt(0);
    int begin = m.getInt(4);
    if (piece < 0 || piece >= p.torrent.pieceCount || begin < 0) {
      throw new IOException("PIECE out of range");
    }
    m.position(8);
    p.torrent.onBlock(p, piece, begin, m);
  }

  private void onExtended(Peer p, ByteBuffer m, int n) {
    if (n < 1 || m.get(0) != 0) {
      return; // ut_pex, ut_metadata, anything else: we advertised none, so we ignore them
    }
    byte[] body = new byte[n - 1];
    m.position(1);
    m.get(body);
    try {
      if (Bencode.decode(body, new Bencode.Limits(64 * 1024, 8, 4096)) instanceof Map<?, ?> d) {
        if (d.get("reqq") instanceof Long reqq) {
          p.remoteReqq = (int) Math.max(4, Math.min(reqq, 4096));
        }
        if (d.get("p") instanceof Long port && port > 0 && port < 65536) {
          p.listenAddress = new InetSocketAddress(p.address.getAddress(), port.intValue());
        }
      }
    } catch (BencodeException e) {
      LOG.fine(() -> "ignoring malformed extension handshake from " + p + ": " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------- writing

  private void flushPending() {
    if (toFlush.isEmpty()) {
      return;
    }
    List<Peer> batch = new ArrayList<>(toFlush);
    toFlush.clear();
    for (Peer p : batch) {
      if (!p.closed) {
        flush(p);
      }
    }
  }

  private void flush(Peer p) {
    try {
      for (int round = 0; round < 8; round++) {
        p.drainControl();
        if (p.torrent != null && p.handshakeReceived && p.controlBytes() == 0) {
          p.torrent.fillUpload(p);
        }
        boolean all = p.writeOut();
        if (!all || !p.pendingOutput() && p.peerRequests.isEmpty()) {
          break;
        }
        if (!p.pendingOutput() && uploadThrottled) {
          break;
        }
      }
      updateInterestOps(p);
    } catch (IOException | RuntimeException e) {
      close(p, e.toString());
    }
  }

  private void updateInterestOps(Peer p) {
    if (p.key == null || !p.key.isValid() || !p.connected) {
      return;
    }
    int ops = p.key.interestOps() & SelectionKey.OP_READ;
    if (p.pendingOutput()) {
      ops |= SelectionKey.OP_WRITE;
    }
    p.key.interestOps(ops);
  }

  // ---------------------------------------------------------------- timers

  private void tick(long now) {
    lastTick = now;
    upBucket.refill(now);
    downBucket.refill(now);
    for (Torrent t : torrents.values()) {
      t.upBucket.refill(now);
      t.downBucket.refill(now);
    }
    uploadThrottled = false;
    for (Peer p : peers) {
      resumeReading(p);
      if (!p.peerRequests.isEmpty()) {
        flushLater(p);
      }
    }
    if (now - lastHousekeeping >= 100 * MS) {
      lastHousekeeping = now;
      for (Torrent t : new ArrayList<>(torrents.values())) {
        t.tick(now);
        t.publish();
      }
    }
    if (now - lastSecond >= SECOND) {
      secondTick(now);
    }
  }

  private void resumeReading(Peer p) {
    if (p.closed || p.key == null || !p.key.isValid() || !p.connected) {
      return;
    }
    if ((p.key.interestOps() & SelectionKey.OP_READ) == 0) {
      p.key.interestOps(p.key.interestOps() | SelectionKey.OP_READ);
    }
  }

  private void secondTick(long now) {
    double seconds = lastSecond == 0 ? 1.0 : (now - lastSecond) / (double) SECOND;
    lastSecond = now;
    boolean rechoke = now - lastRechoke >= 10 * SECOND;
    if (rechoke) {
      lastRechoke = now;
    }
    for (Torrent t : torrents.values()) {
      t.secondTick(now, seconds);
      if (rechoke) {
        t.rechoke(now);
      }
    }
    for (Peer p : new ArrayList<>(peers)) {
      timeouts(p, now);
    }
  }

  /** Half-open or silent connections cost only themselves: they are closed on a timer. */
  private void timeouts(Peer p, long now) {
    if (!p.connected && now - p.createdNanos > 10 * SECOND) {
      close(p, "connect timeout");
    } else if (!p.handshakeReceived && now - p.createdNanos > 15 * SECOND) {
      close(p, "handshake timeout");
    } else if (now - p.lastReceiveNanos > 150 * SECOND) {
      close(p, "idle");
    } else if (p.handshakeReceived && now - p.lastSendNanos > 60 * SECOND) {
      p.sendKeepAlive();
      flushLater(p);
    }
  }
}
