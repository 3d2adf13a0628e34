package dev.shoal.swarm;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.http.HttpClient;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
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

  /**
   * Bans of one address (IPv4 host, IPv6 /64) after which the whole address is refused: a banned
   * peer coming back from a new port with a new peer id is recognised, while one bad player behind
   * a shared NAT address does not at once lock out the others.
   */
  static final int STRIKES_PER_ADDRESS = 3;

  /** Connections from one address that have not completed the handshake yet. */
  static final int HALF_OPEN_PER_ADDRESS = 32;

  /** Entries kept per ban table (oldest forgotten first), so bans cannot exhaust memory. */
  private static final int MAX_BAN_ENTRIES = 65_536;

  /**
   * Unrequested piece data a peer may send a second before it counts as flooding a capped download:
   * honest peers send some when our CANCEL crosses their block.
   */
  private static final int UNREQUESTED_ALLOWANCE = 4 * Wire.BLOCK;

  /**
   * How long a dial waits for the answer to its uTP SYN before it also dials TCP. The first of the
   * two to connect is kept, the other dropped: a peer without uTP (aria2, an origin seeder whose
   * UDP port is not published) or behind a firewall that drops UDP costs half a second, and a peer
   * that answers over uTP within that time (any round trip under 500 ms) uploads to us over uTP.
   */
  static final long UTP_HEAD_START = 500 * MS;

  /** A uTP dial still unanswered after this is given up; its TCP rival, if any, carries on. */
  static final long UTP_FALLBACK = 2 * SECOND;

  /** Reads of one uTP connection per event: its buffered data may exceed one read buffer. */
  private static final int UTP_READS_PER_EVENT = 16;

  final SwarmConfig config;
  final byte[] peerId;
  final TokenBucket upBucket;

  /** Which peers are on our LAN (their connection's address, see {@link LanNetworks}). */
  final LanNetworks lan;

  final TokenBucket downBucket;
  final ExecutorService workers;
  final HolePunch holePunch = new HolePunch(this);

  /** fsync + resume file writes: slow on busy disks, so never on the hashing threads. */
  final ExecutorService resumeWriter;

  private HttpClient http;
  private final Selector selector;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final List<Peer> peers = new ArrayList<>();
  private final Map<String, Torrent> torrents = new HashMap<>();
  private final Set<InetSocketAddress> bannedEndpoints = boundedSet();
  private final Set<String> bannedIds = boundedSet();
  private final Set<String> bannedHosts = boundedSet();

  /**
   * Peers that did not answer a uTP SYN (no uTP, or its UDP port is not reachable: an origin seeder
   * behind a load balancer that publishes only TCP) and connected over TCP: dialled over TCP next
   * time, without the head start.
   */
  private final Set<InetSocketAddress> tcpOnly = boundedSet();

  private final Map<String, Integer> strikes = boundedMap();
  private final Set<Peer> toFlush = new LinkedHashSet<>();
  private ServerSocketChannel server;

  /** uTP's UDP socket, on the TCP listening port's number; null when uTP is off. */
  private UtpSocket utp;

  // The longest pause between two turns of the loop since the last uTP log line: a loaded machine
  // or a GC pause, which uTP's timers see as a path that went quiet (TCP's acks come from the
  // kernel and do not wait for us).
  private long lastTurn;
  private long longestPause;

  private volatile int boundPort;
  // The router's external port for our listening port (0: none), set by whoever mapped it.
  private volatile int mappedPort;
  private volatile boolean uploadEnabled;

  /**
   * Whether uploads to LAN peers skip the upload caps: only when the player agreed to it (the
   * agent's upload consent text says so from its version 2 on); off until told.
   */
  volatile boolean lanUploadsUncapped;

  private volatile boolean running = true;
  boolean uploadThrottled;

  /** Which peer the next tick's upload tokens go to first (round robin). */
  private int uploadTurn;

  /** Ticks since the last rechoke, and how many of them found the upload cap reached. */
  private long ticks;

  private long throttledTicks;

  private long lastTick;
  private long lastHousekeeping;
  private long lastSecond;
  private long lastRechoke;
  private final Thread thread;

  Engine(SwarmConfig config) throws IOException {
    this.config = config;
    this.peerId = newPeerId(config.role().peerIdPrefix());
    this.lan = new LanNetworks(config.lanNetworks());
    this.upBucket =
        config.uploadBudget() != null
            ? config.uploadBudget().bucket
            : new TokenBucket(config.globalUpCap());
    this.downBucket = new TokenBucket(config.globalDownCap());
    this.selector = Selector.open();
    this.resumeWriter = Executors.newSingleThreadExecutor(daemon("shoal-swarm-resume"));
    this.workers = Executors.newFixedThreadPool(2, daemon("shoal-swarm-worker"));
    workers.execute(Engine::warmUpHashing);
    this.uploadEnabled = config.uploadEnabled();
    this.boundPort = config.listenPort();
    if (uploadEnabled) {
      openServer();
    } else if (config.utp()) {
      // Leech-only still dials over uTP; nobody is accepted (onUtpSyn) until uploads are on. On
      // the listening port's number, where TCP will listen once they are.
      try {
        openUtp(new InetSocketAddress(config.bindAddress(), config.listenPort()));
      } catch (IOException e) {
        openUtp(new InetSocketAddress(config.bindAddress(), 0));
      }
    }
    this.thread = daemon("shoal-swarm-engine").newThread(this);
    thread.start();
  }

  /** Threads that do not keep the JVM alive: the engine lives as long as its owner. */
  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * SHA-1 runs at ~100 MB/s until C2 has compiled the digest loop with its SHA-NI intrinsic, and ~2
   * GB/s after. Hashing 16 MiB of zeros at start gets that compilation queued before the first
   * piece arrives, instead of slowing the first tens of MiB of a download.
   */
  private static void warmUpHashing() {
    byte[] block = new byte[256 * 1024];
    for (int i = 0; i < 64; i++) {
      Verifier.matches("SHA-1", block, block.length, new byte[20]);
    }
  }

  /** How the origin seeder is told apart on the wire: the prefix its role gives its peer id. */
  private static final byte[] ORIGIN_PREFIX =
      SwarmConfig.Role.ORIGIN_SEEDER
          .peerIdPrefix()
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private static boolean startsWith(byte[] id, byte[] prefix) {
    return id.length >= prefix.length
        && Arrays.equals(id, 0, prefix.length, prefix, 0, prefix.length);
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
    if (mappedPort > 0 && server != null) {
      return mappedPort;
    }
    return boundPort == 0 ? 6881 : boundPort;
  }

  void setMappedPort(int port) {
    if (port == mappedPort) {
      return;
    }
    mappedPort = port;
    for (Torrent t : torrents.values()) {
      if (t.tracker != null) {
        t.tracker.uploadChanged();
      }
    }
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
    for (Torrent t : torrents.values()) {
      if (t.tracker != null) {
        t.tracker.uploadChanged();
      }
    }
  }

  private void openServer() throws IOException {
    if (utp != null && config.listenPort() != 0 && utp.port() != config.listenPort()) {
      closeUtp("uTP moves to the listening port"); // leech-only, the configured port was taken
    }
    for (int attempt = 0; ; attempt++) {
      ServerSocketChannel s = bindServer(utp != null ? utp.port() : boundPort);
      int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
      if (config.utp() && utp == null) {
        try {
          openUtp(new InetSocketAddress(config.bindAddress(), port));
        } catch (IOException e) {
          // The UDP port of that number is taken: peers expect uTP where TCP listens, so both
          // move to a new number unless the number was configured.
          s.close();
          if (config.listenPort() != 0 || attempt >= 8) {
            throw e;
          }
          boundPort = 0;
          continue;
        }
      }
      s.configureBlocking(false);
      boundPort = port;
      server = s;
      s.register(selector, SelectionKey.OP_ACCEPT);
      return;
    }
  }

  private ServerSocketChannel bindServer(int port) throws IOException {
    ServerSocketChannel s = ServerSocketChannel.open();
    s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
    if (config.holePunch() && s.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
      // Hole punching connects from this port while it listens: Linux allows the second bind only
      // with SO_REUSEPORT on both sockets (of the same user).
      s.setOption(StandardSocketOptions.SO_REUSEPORT, true);
    }
    s.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
    try {
      s.bind(new InetSocketAddress(config.bindAddress(), port), 128);
    } catch (IOException e) {
      if (port == config.listenPort() && config.listenPort() != 0) {
        s.close();
        throw e;
      }
      s.bind(new InetSocketAddress(config.bindAddress(), 0), 128); // old port got taken
    }
    return s;
  }

  /** Closes the uTP socket and every connection on it (their torrents redial them). */
  private void closeUtp(String why) {
    for (Peer p : new ArrayList<>(peers)) {
      if (p.transport instanceof UtpConnection) {
        close(p, why);
      }
    }
    utp.channel.keyFor(selector).cancel();
    utp.close();
    utp = null;
  }

  private void openUtp(InetSocketAddress bind) throws IOException {
    utp = UtpSocket.open(bind, this::onUtpSyn);
    utp.channel.register(selector, SelectionKey.OP_READ);
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

  /** Every connection, handshaken or not (engine thread only). */
  List<Peer> peers() {
    return peers;
  }

  boolean canConnect(InetSocketAddress a) {
    if (peers.size() >= config.maxConnections() || isBanned(a)) {
      return false;
    }
    boolean self =
        a.getPort() == boundPort
            && server != null
            && a.getAddress() != null
            && (a.getAddress().isLoopbackAddress() || a.getAddress().isAnyLocalAddress());
    return !self;
  }

  /**
   * Dials over uTP when it is on (TCP beside it if the SYN goes unanswered, see {@link
   * #UTP_HEAD_START}), else over TCP. LAN peers are dialled over TCP: LEDBAT exists to keep the
   * home uplink's queue short, which LAN traffic never enters, and the kernel's TCP moves a LAN's
   * bytes with far less CPU than our user-space uTP.
   */
  void connect(Torrent t, InetSocketAddress address) {
    if (utp == null || lan.contains(address.getAddress()) || tcpOnly.contains(address)) {
      dialTcp(t, address);
      return;
    }
    dialUtp(t, address);
  }

  /** A uTP peer dialling {@code address}: its SYN goes out now. */
  private Peer dialUtp(Torrent t, InetSocketAddress address) {
    UtpConnection c = utp.connect(address, System.nanoTime());
    Peer p = new Peer(c, address, true);
    c.attachment = p;
    p.lan = lan.contains(address.getAddress());
    p.torrent = t;
    peers.add(p);
    return p;
  }

  /**
   * The uTP dial of {@code p} got no answer (or a RESET): TCP carries on if it is already racing,
   * else is dialled now (a hole punch's from the listening port); if TCP was tried and failed, the
   * dial failed.
   */
  private void fallBackToTcp(Peer p, UtpConnection c) {
    if (p.punch) {
      discard(p);
      LOG.fine(() -> "no uTP answer to the punch to " + p.address + ", punching over TCP");
      connectFromListenPort(p.torrent, p.address);
      return;
    }
    if (p.tcpRaced && p.rival == null) {
      c.abort();
      close(p, "no answer over uTP nor TCP");
      return;
    }
    Peer tcp = p.rival;
    discard(p);
    tcpOnly.add(p.address);
    if (tcp == null) {
      LOG.fine(() -> "no uTP answer from " + p.address + ", dialling TCP");
      dialTcp(p.torrent, p.address);
    }
  }

  /**
   * Drops one half of a dial race without a word to its torrent: the other half is still dialling
   * the same peer, or has connected to it.
   */
  private void discard(Peer p) {
    if (p.rival != null) {
      p.rival.rival = null;
      p.rival = null;
    }
    p.closed = true;
    peers.remove(p);
    toFlush.remove(p);
    if (p.key != null) {
      p.key.cancel();
    }
    if (p.transport instanceof UtpConnection c) {
      c.abort();
    } else {
      p.transport.close();
    }
  }

  /** The uTP dial {@code p} went unanswered for the head start: TCP races it. */
  private void raceTcp(Peer p) {
    p.tcpRaced = true;
    Peer tcp = connectTcp(p.torrent, p.address);
    if (tcp != null && !tcp.closed && !tcp.connected) {
      tcp.rival = p;
      p.rival = tcp;
    } else if (tcp != null && tcp.connected) {
      discard(p); // connected at once (a local peer): the uTP dial is not needed
    }
  }

  private void dialTcp(Torrent t, InetSocketAddress address) {
    if (connectTcp(t, address) == null) {
      t.connectFailed(address);
    }
  }

  /**
   * Dials over TCP; returns the new peer, or null if the dial failed at once (the caller tells the
   * torrent, unless the dial was a race's second half).
   */
  private Peer connectTcp(Torrent t, InetSocketAddress address) {
    return openTcp(t, address, false);
  }

  /**
   * A TCP peer dialling {@code address}, from our listening port if {@code fromListenPort} (hole
   * punching); null if the dial failed at once (logged, nothing left open or listed).
   */
  private Peer openTcp(Torrent t, InetSocketAddress address, boolean fromListenPort) {
    SocketChannel ch = null;
    Peer p = null;
    try {
      ch = SocketChannel.open();
      tune(ch);
      if (fromListenPort) {
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        if (ch.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
          ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        }
        ch.bind(new InetSocketAddress(config.bindAddress(), boundPort));
      }
      ch.configureBlocking(false);
      p = new Peer(new Transport.Tcp(ch), address, true);
      p.lan = lan.contains(address.getAddress());
      p.torrent = t;
      peers.add(p);
      boolean done = ch.connect(address);
      p.key = ch.register(selector, done ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, p);
      if (done) {
        onConnectFinished(p);
      }
      return p;
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.FINE, (fromListenPort ? "hole punch" : "TCP dial") + " to " + address, e);
      if (p != null) {
        p.closed = true;
        peers.remove(p);
      }
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException closing) {
          // failed already: nothing left to tell
        }
      }
      return null;
    }
  }

  /**
   * A hole-punching connection (BEP 55): from our listening port, so that the other side's NAT,
   * which the relay told to expect us there, and ours, which learns of the other side from this
   * SYN, both let the crossing SYNs through.
   */
  void connectFromListenPort(Torrent t, InetSocketAddress address) {
    if (server != null) {
      openTcp(t, address, true);
    }
  }

  /** The uTP socket, on the listening port's number; null while uTP is off. */
  UtpSocket utpSocket() {
    return utp;
  }

  /**
   * A hole-punching uTP dial ({@link HolePunch}), from the uTP socket: its SYN opens our NAT for
   * the other side, whose own packets opened its NAT for us. Unanswered, it falls back to TCP from
   * the listening port ({@link #fallBackToTcp}), for a side that punches over TCP only.
   */
  void connectUtpFromListenPort(Torrent t, InetSocketAddress address) {
    dialUtp(t, address).punch = true;
  }

  private static void tune(SocketChannel ch) throws IOException {
    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
    ch.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
    ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
    ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
  }

  private static <T> Set<T> boundedSet() {
    return Collections.newSetFromMap(boundedMap());
  }

  private static <K, V> Map<K, V> boundedMap() {
    return new LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > MAX_BAN_ENTRIES;
      }
    };
  }

  /** The unit an address ban covers: the IPv4 host, or the IPv6 /64 (one subscriber's LAN). */
  static String hostKey(InetAddress a) {
    byte[] b = a.getAddress();
    return b.length == 16 ? HexFormat.of().formatHex(b, 0, 8) + "::/64" : a.getHostAddress();
  }

  boolean isBanned(InetSocketAddress a) {
    return bannedEndpoints.contains(a)
        || a.getAddress() != null && bannedHosts.contains(hostKey(a.getAddress()));
  }

  /**
   * Bans a peer for the session: its address and port, its listen port and its peer id are never
   * accepted or dialled again, and the ban is a strike against its address ({@link
   * #STRIKES_PER_ADDRESS}). Also for peers already disconnected (a liar found out later).
   */
  void ban(Peer p, String why) {
    if (p.banned) {
      return;
    }
    p.banned = true;
    LOG.warning("banning " + p.address + (p.outgoing ? " (outgoing)" : " (incoming)") + ": " + why);
    if (p.torrent != null) {
      p.torrent.peersBanned++;
      p.torrent.releaseAll(p);
      p.torrent.forgetBlocksFrom(p);
    }
    bannedEndpoints.add(p.address);
    if (p.listenAddress != null) {
      bannedEndpoints.add(p.listenAddress);
    }
    if (p.remoteId != null) {
      bannedIds.add(Torrent.hex(p.remoteId));
    }
    String host = hostKey(p.address.getAddress());
    int n = strikes.merge(host, 1, Integer::sum);
    if (n >= STRIKES_PER_ADDRESS && bannedHosts.add(host)) {
      LOG.warning("banning address " + host + " after " + n + " banned peers");
      for (Peer o : new ArrayList<>(peers)) {
        if (o != p && hostKey(o.address.getAddress()).equals(host)) {
          close(o, "address banned");
        }
      }
    }
    close(p, "banned: " + why);
  }

  void close(Peer p, String why) {
    if (p.closed) {
      return;
    }
    if (p.rival != null && !p.connected) {
      LOG.fine(() -> "dial race: " + p + " lost: " + why);
      discard(p); // the other half of the race is still dialling
      return;
    }
    p.closed = true;
    LOG.fine(() -> "closing " + p + ": " + why);
    if (p.key != null) {
      p.key.cancel();
    }
    p.transport.close();
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
        long turn = System.nanoTime();
        longestPause = lastTurn == 0 ? 0 : Math.max(longestPause, turn - lastTurn);
        lastTurn = turn;
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
    if (utp != null) {
      utp.close();
    }
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
      if (utp != null && key.channel() == utp.channel) {
        try {
          utp.receive(System.nanoTime());
        } catch (IOException e) {
          LOG.log(Level.WARNING, "uTP receive", e);
        }
        utpEvents();
        continue;
      }
      Peer p = (Peer) key.attachment();
      try {
        if (key.isConnectable()) {
          ((Transport.Tcp) p.transport).channel.finishConnect();
          onConnectFinished(p);
        }
        if (key.isValid() && key.isReadable()) {
          read(p);
        }
        if (key.isValid() && key.isWritable()) {
          flushLater(p);
        }
      } catch (IOException | RuntimeException e) {
        failed(p, e);
      }
    }
  }

  /** Whatever a peer does wrong only ever costs that one connection. */
  private void failed(Peer p, Exception e) {
    if (e instanceof ProtocolException pe && pe.ban) {
      ban(p, pe.getMessage());
    } else {
      close(p, e instanceof ProtocolException ? e.getMessage() : e.toString());
    }
  }

  /**
   * A uTP peer wants to connect. Taken on the same terms as a TCP connection in {@link #accept}:
   * only while we listen, within the connection cap, not banned, not too many half-open ones.
   */
  private boolean onUtpSyn(UtpConnection c) {
    InetSocketAddress remote = c.remote;
    if (server == null
        || peers.size() >= config.maxConnections()
        || isBanned(remote)
        || halfOpenFrom(remote.getAddress()) >= HALF_OPEN_PER_ADDRESS) {
      return false;
    }
    Peer p = new Peer(c, remote, false);
    c.attachment = p;
    p.lan = lan.contains(remote.getAddress());
    p.connected = true;
    peers.add(p);
    return true;
  }

  /** The uTP connections that connected, received, got room to write or failed. */
  private void utpEvents() {
    for (UtpConnection c : utp.drainReady()) {
      if (!(c.attachment instanceof Peer p) || p.closed) {
        continue;
      }
      try {
        if (c.error != null && !p.connected && p.outgoing) {
          fallBackToTcp(p, c);
          continue;
        }
        if (!p.connected && c.state == UtpConnection.State.CONNECTED) {
          onConnectFinished(p);
        }
        for (int i = 0; i < UTP_READS_PER_EVENT && !p.closed && c.readable(); i++) {
          if (read(p) == 0) {
            break;
          }
        }
        flushLater(p);
      } catch (IOException | RuntimeException e) {
        failed(p, e);
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
        InetSocketAddress remote = (InetSocketAddress) ch.getRemoteAddress();
        if (peers.size() >= config.maxConnections()
            || isBanned(remote)
            || halfOpenFrom(remote.getAddress()) >= HALF_OPEN_PER_ADDRESS) {
          ch.close();
          continue;
        }
        tune(ch);
        ch.configureBlocking(false);
        Peer p = new Peer(new Transport.Tcp(ch), remote, false);
        p.lan = lan.contains(remote.getAddress());
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

  /** Silent or slow connections from one address may not fill all our connection slots. */
  private int halfOpenFrom(InetAddress a) {
    String host = hostKey(a);
    int n = 0;
    for (Peer p : peers) {
      if (!p.outgoing && !p.handshakeReceived && hostKey(p.address.getAddress()).equals(host)) {
        n++;
      }
    }
    return n;
  }

  private void onConnectFinished(Peer p) {
    if (p.rival != null) {
      if (p.transport instanceof Transport.Tcp) {
        tcpOnly.add(p.address);
      }
      discard(p.rival); // first to connect wins the race
    }
    p.connected = true;
    if (p.key != null) {
      p.key.interestOps(SelectionKey.OP_READ);
    }
    p.sendHandshake(p.torrent.infoHash, peerId);
    flushLater(p);
  }

  // ---------------------------------------------------------------- reading and framing

  /**
   * Reads what the peer sent. Download caps are charged per requested block (see {@link
   * Torrent#topUpRequests}), so reading is not throttled: control messages never wait for tokens.
   * Only a peer that sends piece data we did not ask for is paused while a cap is in debt.
   */
  private int read(Peer p) throws IOException {
    if (p.unrequestedBytes > UNREQUESTED_ALLOWANCE
        && p.torrent != null
        && p.torrent.downloadInDebt()) {
      if (p.key != null) {
        p.key.interestOps(p.key.interestOps() & ~SelectionKey.OP_READ); // tick resumes it
      } // uTP: the data waits in the connection, whose window closes; tick resumes it
      return 0;
    }
    int n = p.transport.read(p.in);
    if (n < 0) {
      close(p, "EOF");
      return 0;
    }
    if (n > 0) {
      p.lastReceiveNanos = System.nanoTime();
    }
    p.in.flip();
    try {
      parse(p);
    } finally {
      p.in.compact(); // p.in, not in: a huge bitfield may have made parse() grow the buffer
    }
    if (!p.closed && p.torrent != null && p.handshakeReceived) {
      p.torrent.fillRequests(p);
      flushLater(p);
    }
    return n;
  }

  private void parse(Peer p) throws IOException {
    if (!p.handshakeReceived && !readHandshake(p)) {
      return;
    }
    WireDecoder d = p.decoder;
    while (!p.closed && d.next(p.in)) {
      if (d.id != WireDecoder.KEEP_ALIVE) {
        dispatch(p, d);
      }
    }
  }

  /** Returns true once the 68-byte handshake is in; rejects MSE and garbage at the first byte. */
  private boolean readHandshake(Peer p) throws ProtocolException {
    WireDecoder.Handshake hs = WireDecoder.handshake(p.in);
    if (hs == null) {
      return false;
    }
    byte[] remoteId = hs.peerId();
    Torrent t = torrents.get(Torrent.hex(hs.infoHash()));
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
    // Before our handshake or anything of the torrent goes out to it.
    if (!admitted(t, p)) {
      close(p, "not admitted");
      return false;
    }
    p.torrent = t;
    p.remoteId = remoteId;
    p.origin = startsWith(remoteId, ORIGIN_PREFIX);
    p.extended = hs.extended();
    p.fast = hs.fast();
    p.decoder = new WireDecoder(t.pieceCount, t.meta.pieceLength(), t.meta.length());
    p.ensureReadCapacity(p.decoder.maxMessage + 4);
    p.handshakeReceived = true;
    if (!p.handshakeSent) {
      p.sendHandshake(t.infoHash, peerId);
      // On its own, before the extension handshake and HAVE_ALL: Transmission 3.00, having dialled
      // us, leaves what arrives together with our handshake unread until more comes, and so sat
      // not interested in our seed until our keep-alive 60 s later (TransmissionUtpLabTest).
      flush(p);
    }
    t.onConnected(p);
    flushLater(p);
    return true;
  }

  private boolean admitted(Torrent t, Peer p) {
    return config.admission() == null
        || config.admission().test(Torrent.hex(t.infoHash), p.address.getAddress());
  }

  /** Drops every connected peer that {@link SwarmConfig#admission()} no longer admits. */
  void recheckAdmission() {
    if (config.admission() == null) {
      return;
    }
    // Asked once per torrent and address: many connections may come from one.
    Map<String, Boolean> answers = new HashMap<>();
    for (Peer p : new ArrayList<>(peers)) {
      if (p.torrent != null
          && p.handshakeReceived
          && !answers.computeIfAbsent(
              Torrent.hex(p.torrent.infoHash) + " " + p.address.getAddress().getHostAddress(),
              k -> admitted(p.torrent, p))) {
        close(p, "no longer admitted");
      }
    }
  }

  /** Acts on one decoded message; the decoder has already checked every index and length. */
  private void dispatch(Peer p, WireDecoder d) {
    Torrent t = p.torrent;
    switch (d.id) {
      case Wire.CHOKE -> {
        p.peerChoking = true;
        t.onChoked(p);
      }
      case Wire.UNCHOKE -> p.peerChoking = false;
      case Wire.INTERESTED, Wire.NOT_INTERESTED -> {
        p.peerInterested = d.id == Wire.INTERESTED;
        t.onInterestChanged(p);
      }
      case Wire.HAVE -> t.onHave(p, d.index);
      case Wire.BITFIELD -> t.onBitfield(p, d.bitfield());
      case Wire.REQUEST -> t.onRequest(p, d.index, d.begin, d.length);
      case Wire.PIECE -> t.onBlock(p, d.index, d.begin, d.payload);
      case Wire.CANCEL -> t.onCancel(p, d.index, d.begin, d.length);
      case Wire.HAVE_ALL -> t.onHaveAll(p);
      case Wire.REJECT -> t.onReject(p, d.index, d.begin);
      case Wire.EXTENDED -> onExtended(p, d);
      default -> {
        // HAVE_NONE, PORT (no DHT), SUGGEST (ignored), ALLOWED_FAST, unknown: tolerated
      }
    }
  }

  private void onExtended(Peer p, WireDecoder d) {
    if (d.index == HolePunch.OUR_ID && config.holePunch()) {
      holePunch.onMessage(p, d.payload);
      return;
    }
    if (d.index != 0) {
      return; // ut_pex, ut_metadata, anything else: we advertised none, so we ignore them
    }
    WireDecoder.ExtHandshake ext = WireDecoder.extHandshake(d.payload);
    if (ext == null) {
      LOG.fine(() -> "ignoring malformed extension handshake from " + p);
      return;
    }
    if (ext.reqq() > 0) {
      p.remoteReqq = ext.reqq();
    }
    p.holepunchId = ext.holepunch();
    if (ext.port() > 0) {
      p.listenAddress = new InetSocketAddress(p.address.getAddress(), ext.port());
      if (isBanned(p.listenAddress)) {
        close(p, "listens on a banned address"); // a banned peer back under a new peer id
      }
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
        if (!p.pendingOutput()
            && uploadThrottled
            && (p.torrent == null || !p.torrent.uploadUncapped(p))) {
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
      if (t.downloadCapped()) {
        t.topUpRequests();
      }
    }
    if (utp != null) {
      utp.tick(now);
      utpEvents();
    }
    ticks++;
    if (uploadThrottled) {
      throttledTicks++;
    }
    uploadThrottled = false;
    // The fresh tokens go to the peers waiting for blocks, starting each tick with the next one:
    // served in list order, the first peer took a capped uploader's whole rate every tick and
    // the last got nothing; an origin seeder then fed one player and starved another, whose
    // upload stayed idle for the whole download as it never had a piece the others lacked.
    List<Peer> all = new ArrayList<>(peers);
    int n = all.size();
    int first = n == 0 ? 0 : Math.floorMod(uploadTurn++, n);
    for (int k = 0; k < n; k++) {
      Peer p = all.get((first + k) % n);
      resumeReading(p);
      if (!p.closed && !p.peerRequests.isEmpty()) {
        toFlush.remove(p);
        flush(p);
      }
    }
    if (now - lastHousekeeping >= 100 * MS) {
      lastHousekeeping = now;
      utpFallbacks(now);
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
    if (!p.closed && p.connected && p.transport instanceof UtpConnection c && c.readable()) {
      try {
        read(p);
      } catch (IOException | RuntimeException e) {
        failed(p, e);
      }
      return;
    }
    if (p.closed || p.key == null || !p.key.isValid() || !p.connected) {
      return;
    }
    if ((p.key.interestOps() & SelectionKey.OP_READ) == 0) {
      p.key.interestOps(p.key.interestOps() | SelectionKey.OP_READ);
    }
  }

  /**
   * uTP dials unanswered for {@link #UTP_HEAD_START} get a TCP rival; those unanswered for {@link
   * #UTP_FALLBACK} are given up.
   */
  private void utpFallbacks(long now) {
    for (Peer p : new ArrayList<>(peers)) {
      if (p.connected || p.closed || !(p.transport instanceof UtpConnection c)) {
        continue;
      }
      if (now - p.createdNanos >= UTP_FALLBACK) {
        fallBackToTcp(p, c);
      } else if (!p.tcpRaced
          && p.outgoing
          && !p.punch // its TCP fallback goes from the listening port, see fallBackToTcp
          && now - p.createdNanos >= UTP_HEAD_START) {
        raceTcp(p);
      }
    }
  }

  /** The handshaken peers, for {@link Swarm#peers()}. */
  List<PeerSnapshot> peerSnapshots() {
    List<PeerSnapshot> list = new ArrayList<>();
    for (Peer p : peers) {
      if (p.handshakeReceived) {
        list.add(
            new PeerSnapshot(
                hostPort(p.address),
                p.transport.toString(),
                p.outgoing,
                p.lan,
                p.down.perSecond(),
                p.up.perSecond()));
      }
    }
    return list;
  }

  /** "192.0.2.1:6881", "[2001:db8::1]:6881": no reverse lookup, brackets around IPv6. */
  private static String hostPort(InetSocketAddress a) {
    String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  private void secondTick(long now) {
    double seconds = lastSecond == 0 ? 1.0 : (now - lastSecond) / (double) SECOND;
    lastSecond = now;
    boolean rechoke = now - lastRechoke >= 10 * SECOND;
    double uploadBusy = ticks == 0 ? -1 : throttledTicks / (double) ticks;
    if (rechoke) {
      if (utp != null && LOG.isLoggable(Level.FINE)) {
        LOG.fine(utp.counters() + " longest_pause_ms=" + longestPause / MS);
        longestPause = 0;
      }
      lastRechoke = now;
      ticks = 0;
      throttledTicks = 0;
    }
    for (Torrent t : torrents.values()) {
      t.secondTick(now, seconds);
      if (rechoke) {
        t.rechoke(now, uploadBusy);
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
