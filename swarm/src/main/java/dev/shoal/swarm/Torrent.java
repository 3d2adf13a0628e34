package dev.shoal.swarm;

import dev.shoal.protocol.torrent.Metainfo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Per-torrent state: piece picker (rarest first, random first pieces, end game), choker,
 * verification; whom to dial is the {@link Dialler}'s. Runs on the engine thread; hashing and disk
 * writes go to the engine's worker pool and come back as tasks.
 */
final class Torrent {
  private static final Logger LOG = Logger.getLogger(Torrent.class.getName());
  private static final byte NONE = 0;
  private static final byte ACTIVE = 1;
  private static final byte VERIFYING = 2;
  private static final byte HAVE = 3;
  private static final byte ORIGIN = 4;
  private static final int RANDOM_FIRST_PIECES = 4;
  private static final int BUDGET_EXHAUSTED = -2;
  private static final long SECOND = 1_000_000_000L;

  /**
   * Requests of one peer we queue, and the "reqq" we advertise (BEP 10): 8 MiB in flight, more than
   * one connection needs. Overshoot is rejected (BEP 6), not queued.
   */
  static final int MAX_QUEUED_REQUESTS = 512;

  /**
   * Refused requests (while choked, duplicates, beyond the queue, for pieces we lack) a peer may
   * run up before it is banned for flooding. The count decays by {@link #REFUSED_DECAY} a second:
   * an honest peer racing our CHOKE wastes at most one pipeline (at most {@link
   * #MAX_QUEUED_REQUESTS}) per rechoke, every 10 s.
   */
  static final int REFUSED_REQUESTS_LIMIT = 4 * MAX_QUEUED_REQUESTS;

  static final int REFUSED_DECAY = MAX_QUEUED_REQUESTS / 2;

  /**
   * Distinct pieces a peer may advertise and then refuse (REJECT while unchoking us) before it is
   * banned as a liar. Honest peers do not do this at all: a choking peer's rejects come after its
   * CHOKE, and answers to our CANCELs are not counted.
   */
  static final int LIES_BEFORE_BAN = 8;

  final Engine engine;
  final Metainfo meta;
  final TorrentJob job;
  final byte[] infoHash;
  final int pieceCount;
  final Storage storage;
  final TokenBucket upBucket;
  final TokenBucket downBucket;
  final List<Peer> peers = new ArrayList<>();

  /**
   * The next piece to ask the origin seeder for, once other peers deliver (-1: none yet). Each
   * player walks forward through a stretch of pieces nobody has, and jumps to a random such piece
   * when it reaches one another peer has. Players that picked a random piece for every request
   * asked the seeder for the same piece as another player (both requests in flight, neither seen by
   * the other) for about 0.2 F; players that each walked from a fixed start caught up with each
   * other's stretch and then asked for the same pieces in lock step (0.8 F).
   */
  private int originCursor = -1;

  /** Which peer a capped download's next tokens go to first ({@link #topUpRequests}). */
  private int requestTurn;

  /** Unchoke slots added while the upload cap is not reached ({@link #adaptUploadSlots}). */
  private int extraUploadSlots;

  private static final int MAX_EXTRA_UPLOAD_SLOTS = 64;

  /** Blocks kept requested from a peer whose rate is not known yet (see fillRequests). */
  private static final int MIN_REQUEST_DEPTH = 8;

  /**
   * Pieces the origin seeder refused us lately: not asked of it again until the set is cleared
   * every {@link #ORIGIN_DECLINED_FOR}. Our seeder refuses nothing; an older one, or a peer posing
   * as the origin, would otherwise be asked again at once after every REJECT, in a loop.
   */
  private final BitSet originDeclined = new BitSet();

  private long originDeclinedSince;
  private static final long ORIGIN_DECLINED_FOR = 10 * SECOND;

  /** How long no peer may deliver, while the origin seeder is connected, before HTTP helps. */
  private static final long ORIGIN_SEEDER_PATIENCE = 15 * SECOND;

  /** When peers last delivered at least {@code originMinPeerRate} (sampled every second). */
  private long lastFastNanos;

  private final Dialler dialler = new Dialler();
  final CompletableFuture<Progress> completion = new CompletableFuture<>();
  final Tracker tracker;
  final WebSeed webSeed;

  private final byte[] pieceState;
  private final int[] avail;
  private int seedPeers;
  private final BitSet have = new BitSet();
  private final Map<Integer, PieceBuf> active = new LinkedHashMap<>();
  private final Map<Integer, PieceBuf> suspects = new HashMap<>();
  private final int maxPiecesInMemory;
  private final java.util.ArrayDeque<byte[]> spare = new java.util.ArrayDeque<>();
  private int verifying;

  /** Picks refused because {@link #maxPiecesInMemory} pieces were in memory, since the rechoke. */
  private int budgetExhausted;

  private int verified;

  /** Peers of this torrent banned so far (counted by {@link Engine#ban}). */
  int peersBanned;

  /** The longest queue of requests any peer has had with us (a bound the flood tests check). */
  int peakQueuedRequests;

  private long bytesDone;
  final Rate fromPeers = new Rate();
  final Rate fromOrigin = new Rate();

  /**
   * The part of {@link #fromPeers} that came from the publisher's origin seeder over BitTorrent:
   * reported as origin bytes, but still counted in {@code fromPeers} for the web-seed fallback
   * decision (the seeder delivering well means the web seed need not help).
   */
  final Rate fromOriginSeeder = new Rate();

  final Rate uploaded = new Rate();
  private Progress.State state = Progress.State.CHECKING;
  private boolean paused;
  private boolean resumeDirty;
  private long lastResumeSave;
  private long resumeSeq;
  private final Object resumeLock = new Object();
  private long resumeWritten;
  private long lastUsefulPeerNanos = System.nanoTime();

  private long startedNanos = System.nanoTime();
  private long lastOptimisticNanos;
  volatile Progress snapshot;

  Torrent(Engine engine, Metainfo meta, TorrentJob job, Storage storage) {
    this.engine = engine;
    this.meta = meta;
    this.job = job;
    this.infoHash = meta.infoHash();
    this.pieceCount = meta.pieceCount();
    this.storage = storage;
    this.pieceState = new byte[pieceCount];
    this.avail = new int[pieceCount];
    // 16 MiB of piece buffers (in flight + waiting for the hasher + spare), at least 4 pieces:
    // ~80 ms of data at 200 MB/s, enough to keep the pipe full while bounding the heap.
    this.maxPiecesInMemory = Math.max(4, (16 << 20) / meta.pieceLength());
    this.upBucket = new TokenBucket(job.upCap());
    this.downBucket = new TokenBucket(job.downCap());
    dialler.addDirect(job.peers());
    String announce = job.announceUrl() == null ? meta.announce() : job.announceUrl();
    this.tracker = announce == null || announce.isEmpty() ? null : new Tracker(this, announce);
    this.webSeed = job.webSeeds().isEmpty() ? null : new WebSeed(this, job.webSeeds());
    publish();
  }

  // ---------------------------------------------------------------- start-up

  /** Marks pieces known good (resume state or re-check) before the torrent goes live. */
  void markVerifiedAtStart(BitSet good) {
    for (int i = good.nextSetBit(0); i >= 0 && i < pieceCount; i = good.nextSetBit(i + 1)) {
      pieceState[i] = HAVE;
      have.set(i);
      verified++;
      bytesDone += meta.pieceSize(i);
    }
  }

  void goLive() {
    state = verified == pieceCount ? seedOrComplete() : Progress.State.DOWNLOADING;
    startedNanos = System.nanoTime();
    lastUsefulPeerNanos = startedNanos;
    lastFastNanos = startedNanos;
    if (verified == pieceCount) {
      completion.complete(snapshotNow());
    }
    if (tracker != null) {
      tracker.announce(dev.shoal.protocol.torrent.AnnounceRequest.Event.STARTED);
    }
    publish();
  }

  private Progress.State seedOrComplete() {
    return job.seedAfterComplete() ? Progress.State.SEEDING : Progress.State.COMPLETE;
  }

  boolean live() {
    return !paused
        && (state == Progress.State.DOWNLOADING
            || state == Progress.State.SEEDING
            || state == Progress.State.COMPLETE);
  }

  boolean isComplete() {
    return verified == pieceCount;
  }

  boolean acceptsPeers() {
    return live() && (!isComplete() || job.seedAfterComplete());
  }

  // ---------------------------------------------------------------- peer lifecycle

  void onConnected(Peer p) {
    peers.add(p);
    if (p.extended) {
      Map<String, Object> ext = new HashMap<>();
      ext.put("m", Map.of());
      ext.put("v", engine.config.userAgent());
      ext.put("reqq", (long) MAX_QUEUED_REQUESTS);
      if (engine.listenPort() > 0) {
        ext.put("p", (long) engine.listenPort());
      }
      byte[] hs = dev.shoal.protocol.torrent.Bencode.encode(ext);
      p.sendExtended(0, hs);
    }
    if (p.fast && verified == pieceCount) {
      p.sendSimple(Wire.HAVE_ALL);
    } else if (p.fast && verified == 0) {
      p.sendSimple(Wire.HAVE_NONE);
    } else if (verified > 0) {
      p.sendBitfield(have, pieceCount);
    }
  }

  void onDisconnected(Peer p) {
    if (!peers.remove(p)) {
      return;
    }
    releaseAll(p);
    if (p.hasAll) {
      seedPeers--;
    } else {
      for (int i = p.has.nextSetBit(0); i >= 0; i = p.has.nextSetBit(i + 1)) {
        avail[i]--;
      }
    }
    // Where to dial it again: a peer that dialled us said where it listens, or it is not redialled.
    InetSocketAddress at = p.outgoing ? p.address : p.listenAddress;
    if (at != null) {
      long now = System.nanoTime();
      dialler.disconnected(at, now, now - p.createdNanos, p.isSeed(pieceCount));
    }
    if (peers.isEmpty() && tracker != null && !isComplete()) {
      tracker.peersGone(); // a restarted seeder is found again by announcing
    }
  }

  void connectFailed(InetSocketAddress a) {
    dialler.failed(a, System.nanoTime());
  }

  void addTrackerPeers(List<InetSocketAddress> list) {
    dialler.addFromTracker(list);
  }

  // ---------------------------------------------------------------- incoming messages

  void onHave(Peer p, int index) {
    if (p.hasAll || p.has.get(index) || p.refused.get(index)) {
      return;
    }
    p.has.set(index);
    avail[index]++;
    if (pieceState[index] != HAVE) {
      p.interested(true);
    }
    if (p.has.cardinality() == pieceCount) {
      promoteToSeed(p);
      closeIfBothComplete(p);
    }
  }

  void onBitfield(Peer p, BitSet bits) {
    if (p.hasAll) {
      return;
    }
    for (int i = p.has.nextSetBit(0); i >= 0; i = p.has.nextSetBit(i + 1)) {
      avail[i]--;
    }
    bits.andNot(p.refused);
    p.has = bits;
    for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
      avail[i]++;
    }
    if (bits.cardinality() == pieceCount) {
      promoteToSeed(p);
    }
    updateInterest(p);
    closeIfBothComplete(p);
  }

  void onHaveAll(Peer p) {
    if (p.hasAll || !p.refused.isEmpty()) {
      return; // after refusing pieces, "I have everything" is not believed
    }
    for (int i = p.has.nextSetBit(0); i >= 0; i = p.has.nextSetBit(i + 1)) {
      avail[i]--;
    }
    p.has = new BitSet();
    p.hasAll = true;
    seedPeers++;
    updateInterest(p);
    closeIfBothComplete(p);
  }

  /**
   * Two seeds have nothing to exchange: the connection is closed, and the dialler, told it was a
   * seed, does not dial it again while we are complete (a seed that dials seeds would loop).
   */
  private void closeIfBothComplete(Peer p) {
    if (isComplete() && p.hasAll) {
      engine.close(p, "both complete");
    }
  }

  /** Seeds are counted once instead of in every availability slot. */
  private void promoteToSeed(Peer p) {
    for (int i = p.has.nextSetBit(0); i >= 0; i = p.has.nextSetBit(i + 1)) {
      avail[i]--;
    }
    p.has = new BitSet();
    p.hasAll = true;
    seedPeers++;
  }

  void updateInterest(Peer p) {
    if (isComplete()) {
      p.interested(false);
      return;
    }
    if (p.hasAll) {
      p.interested(true);
      return;
    }
    BitSet wanted = (BitSet) p.has.clone();
    wanted.andNot(have);
    p.interested(!wanted.isEmpty());
  }

  void onChoked(Peer p) {
    releaseAll(p);
  }

  void onReject(Peer p, int piece, int begin) {
    long key = (long) piece << 32 | begin;
    if (!p.requested.remove(key)) {
      return; // we had cancelled it (BEP 6 answers a CANCEL with a REJECT), or never asked
    }
    release(piece, begin);
    if (p.origin) {
      if (originDeclined.isEmpty()) {
        originDeclinedSince = System.nanoTime();
      }
      originDeclined.set(piece);
    } else if (!p.peerChoking) {
      // The publisher's seeder is not suspected: an older one refused pieces it had sent to
      // another player first, and a lie would only cost the publisher's own bytes.
      refuse(p, piece);
    }
  }

  /**
   * The peer advertised {@code piece}, unchokes us, and still refused a block of it: we stop
   * believing it has the piece (so the block goes to others instead of back to it), and after
   * {@link #LIES_BEFORE_BAN} such pieces it is banned.
   */
  private void refuse(Peer p, int piece) {
    if (p.refused.get(piece)) {
      return;
    }
    p.refused.set(piece);
    if (p.hasAll) {
      demoteSeed(p);
    }
    if (p.has.get(piece)) {
      p.has.clear(piece);
      avail[piece]--;
    }
    if (p.refused.cardinality() >= Math.min(LIES_BEFORE_BAN, pieceCount)) {
      engine.ban(p, "refused " + p.refused.cardinality() + " pieces it advertised");
    } else {
      updateInterest(p);
    }
  }

  /** A "seed" that refused a piece is one no more: its pieces are counted one by one again. */
  private void demoteSeed(Peer p) {
    p.hasAll = false;
    seedPeers--;
    BitSet all = new BitSet(pieceCount);
    all.set(0, pieceCount);
    p.has = all;
    for (int i = 0; i < pieceCount; i++) {
      avail[i]++;
    }
  }

  void onInterestChanged(Peer p) {
    if (p.peerInterested && p.amChoking && canUnchokeMore()) {
      p.choke(false);
    }
  }

  /**
   * A REQUEST (already range-checked by the decoder). Queued if we can serve it and the queue has
   * room; otherwise rejected (BEP 6) and counted, and a peer that keeps it up is banned: memory per
   * peer stays bounded by {@link #MAX_QUEUED_REQUESTS}.
   */
  void onRequest(Peer p, int piece, int begin, int length) {
    boolean servable = !p.amChoking && engine.uploadEnabled() && pieceState[piece] == HAVE;
    if (servable && p.peerRequests.size() < MAX_QUEUED_REQUESTS) {
      if (p.peerRequests.add(new Peer.Request(piece, begin, length))) {
        peakQueuedRequests = Math.max(peakQueuedRequests, p.peerRequests.size());
        return;
      }
      // a duplicate of a queued request: it will be served once; no reject, which would confuse
    } else {
      p.reject(piece, begin, length);
    }
    if (++p.refusedRequests > REFUSED_REQUESTS_LIMIT) {
      engine.ban(p, "request flood (" + p.refusedRequests + " requests refused)");
    }
  }

  void onCancel(Peer p, int piece, int begin, int length) {
    p.peerRequests.remove(new Peer.Request(piece, begin, length));
  }

  /** A PIECE message. Data for blocks we did not ask for is still taken if it is useful. */
  void onBlock(Peer p, int piece, int begin, ByteBuffer payload) {
    int len = payload.remaining();
    fromPeers.add(len);
    if (p.origin) {
      fromOriginSeeder.add(len);
    }
    p.down.add(len);
    p.lastBlockNanos = System.nanoTime();
    p.snubbed = false;
    long key = (long) piece << 32 | begin;
    boolean wasRequested = p.requested.remove(key);
    if (!wasRequested) {
      chargeDownload(len); // asked-for blocks were charged with their request
      p.unrequestedBytes += len;
    }
    if (wasRequested && len != Math.min(Wire.BLOCK, meta.pieceSize(piece) - begin)) {
      // Not the block we asked for. Give the request back first: dropping it silently left the
      // block "requested" by nobody, and the download stalled for good.
      release(piece, begin);
      engine.ban(p, "answered a request of piece " + piece + " with " + len + " bytes");
      return;
    }
    PieceBuf buf = active.get(piece);
    if (buf == null || begin % Wire.BLOCK != 0) {
      return; // not wanted any more (completed, or taken by the origin)
    }
    int block = begin / Wire.BLOCK;
    if (block >= buf.blocks() || buf.blockLength(block) != len) {
      return;
    }
    if (buf.blockState[block] == PieceBuf.RECEIVED) {
      return; // end-game duplicate
    }
    if (!wasRequested && buf.blockState[block] == PieceBuf.FREE) {
      buf.free--;
    }
    payload.get(buf.data, begin, len);
    buf.blockState[block] = PieceBuf.RECEIVED;
    buf.received++;
    buf.contributors.add(p);
    buf.blockFrom[block] = p;
    lastUsefulPeerNanos = System.nanoTime();
    if (buf.requestCount[block] > 1) {
      cancelOthers(p, key, piece, begin, len);
    }
    if (buf.complete()) {
      active.remove(piece);
      pieceState[piece] = VERIFYING;
      verifying++;
      verify(buf, new ArrayList<>(buf.contributors));
    }
  }

  private void cancelOthers(Peer got, long key, int piece, int begin, int len) {
    for (Peer o : peers) {
      if (o != got && o.requested.remove(key)) {
        o.sendRequest(Wire.CANCEL, piece, begin, len);
        engine.flushLater(o);
      }
    }
  }

  // ---------------------------------------------------------------- picker

  /**
   * Tops up the request pipeline of {@code p}. Under a download cap the engine tick does it instead
   * ({@link #topUpRequests}), sharing the tokens among the peers.
   */
  void fillRequests(Peer p) {
    if (!downloadCapped()) {
      requestMore(p, Integer.MAX_VALUE);
    }
  }

  /**
   * Sends {@code p} up to {@code most} requests, as its pipeline and the download caps allow;
   * returns whether one went out. Caps are charged here, when a block is asked for, not when its
   * bytes are read: the socket is then always read at once, so an INTERESTED or a HAVE never waits
   * behind capped piece data (it did, 7.5 s, while our download ran at its cap).
   */
  private boolean requestMore(Peer p, int most) {
    if (!p.amInterested || p.peerChoking || p.snubbed || !live() || isComplete()) {
      return false;
    }
    // About a second of what the peer delivers, at least 8 blocks. A floor of 64 blocks (1 MiB)
    // queued 5 s at a capped player serving ten others, so a 20-player swarm's pieces sat half
    // done at busy peers, filled the in-memory budget, and left idle peers unasked at the end.
    long rate = p.down.perSecond();
    int depth =
        (int)
            Math.min(
                engine.config.maxRequestsPerPeer(), Math.max(MIN_REQUEST_DEPTH, rate / Wire.BLOCK));
    p.requestDepth = Math.min(depth, Math.max(4, p.remoteReqq));
    BitSet elsewhere = p.origin ? withDeclined(elsewhere()) : null;
    int sent = 0;
    while (sent < most && p.requested.size() < p.requestDepth && downloadTokens() >= Wire.BLOCK) {
      long key = p.origin ? pickForOriginSeeder(p, elsewhere) : pick(p, null);
      if (key < 0) {
        break;
      }
      int piece = (int) (key >>> 32);
      int begin = (int) key;
      if (p.requested.isEmpty()) {
        p.lastRequestNanos = System.nanoTime(); // the snub clock starts with the first request
      }
      p.requested.add(key);
      int length = Math.min(Wire.BLOCK, meta.pieceSize(piece) - begin);
      p.sendRequest(Wire.REQUEST, piece, begin, length);
      chargeDownload(length);
      sent++;
    }
    return sent > 0;
  }

  /** Download bytes the engine's and this torrent's caps allow now; Long.MAX_VALUE uncapped. */
  private long downloadTokens() {
    return Math.min(engine.downBucket.available(), downBucket.available());
  }

  private void chargeDownload(long bytes) {
    engine.downBucket.consume(bytes);
    downBucket.consume(bytes);
  }

  boolean downloadCapped() {
    return engine.downBucket.rate() > 0 || downBucket.rate() > 0;
  }

  /**
   * A cap is in debt: the origin took a piece up front, or peers sent blocks we never asked for.
   */
  boolean downloadInDebt() {
    return engine.downBucket.inDebt() || downBucket.inDebt();
  }

  /**
   * Under a download cap, requests wait for tokens, which come every engine tick (10 ms): the
   * pipelines are topped up then, one block per peer in turn, starting each tick with the next
   * peer. Filled in list order, the first peer took every token and a peer holding the one piece we
   * lacked was never asked.
   */
  void topUpRequests() {
    if (!live() || isComplete() || peers.isEmpty()) {
      return;
    }
    int n = peers.size();
    int first = Math.floorMod(requestTurn++, n);
    boolean any = true;
    while (any && downloadTokens() >= Wire.BLOCK) {
      any = false;
      for (int k = 0; k < n; k++) {
        Peer p = peers.get((first + k) % n);
        if (p.handshakeReceived && requestMore(p, 1)) {
          engine.flushLater(p);
          any = true;
        }
      }
    }
  }

  /**
   * The pieces some other connected peer (not the origin seeder) has: the origin seeder is asked
   * first for the others, so that its bytes are the ones nobody else could send.
   */
  private BitSet elsewhere() {
    BitSet out = new BitSet(pieceCount);
    for (Peer o : peers) {
      if (o.origin || !o.handshakeReceived) {
        continue;
      }
      if (o.hasAll) {
        out.set(0, pieceCount);
        return out;
      }
      out.or(o.has);
    }
    return out;
  }

  /**
   * The next block to ask the publisher's origin seeder for. It serves every downloading player a
   * fair share of its budget, and a player keeps its pipeline there full whatever the other peers
   * do: peers only add speed. (Asking it only for pieces no other peer had, while it refused pieces
   * it had sent to another player, held a second player to the first one's 1 MB/s upload while the
   * seeder's 20 MB/s sat idle: 36 s where the origin alone needed 6.7 s.) What it is asked for, in
   * this order: blocks of pieces begun with it that nobody else has, a new piece nobody else has (a
   * walk, see {@link #originCursor}), blocks of an unfinished piece or a new piece (rarest first)
   * that no peer with room in its pipeline could be asked for ({@link #peersHaveRoomFor}), and last
   * a second request for a block another peer still holds (end game), so nothing waits on a slow
   * peer while the origin could send it.
   */
  private long pickForOriginSeeder(Peer p, BitSet elsewhere) {
    PieceBuf partial = rarestPartial(p, elsewhere);
    if (partial == null) {
      int piece =
          active.size() + verifying >= maxPiecesInMemory
              ? BUDGET_EXHAUSTED
              : pieceOnlyAtOrigin(p, elsewhere);
      if (piece >= 0) {
        return startPiece(piece);
      }
      partial = rarestPartial(p, withDeclined(peersHaveRoomFor()));
    }
    if (partial != null) {
      return (long) partial.index << 32 | (long) partial.claimFree() * Wire.BLOCK;
    }
    if (active.size() + verifying < maxPiecesInMemory) {
      int piece = pickNewPiece(p, withDeclined(peersHaveRoomFor()), Integer.MAX_VALUE);
      if (piece >= 0) {
        return startPiece(piece);
      }
    }
    return endGamePick(p, withDeclined(peersHaveRoomFor()));
  }

  /**
   * Pieces a peer other than the origin seeder could be asked for right now: it has them, unchokes
   * us and has room in its pipeline. The origin is not asked for those (its bytes are the
   * publisher's): peers fast enough to keep up take them at their next top-up. Peers whose
   * pipelines are full are the slow ones, and what they cannot take goes to the origin.
   */
  private BitSet peersHaveRoomFor() {
    BitSet out = new BitSet(pieceCount);
    for (Peer o : peers) {
      if (o.origin
          || !o.handshakeReceived
          || !o.amInterested
          || o.peerChoking
          || o.snubbed
          || o.requested.size() >= o.requestDepth) {
        continue;
      }
      if (o.hasAll) {
        out.set(0, pieceCount);
        return out;
      }
      out.or(o.has);
    }
    return out;
  }

  /** {@code skip} plus the pieces the origin seeder refused us lately. */
  private BitSet withDeclined(BitSet skip) {
    if (!originDeclined.isEmpty()
        && System.nanoTime() - originDeclinedSince > ORIGIN_DECLINED_FOR) {
      originDeclined.clear();
    }
    skip.or(originDeclined);
    return skip;
  }

  private long startPiece(int piece) {
    int size = meta.pieceSize(piece);
    byte[] data = size == meta.pieceLength() && !spare.isEmpty() ? spare.pop() : new byte[size];
    PieceBuf buf = new PieceBuf(piece, size, data);
    active.put(piece, buf);
    pieceState[piece] = ACTIVE;
    return (long) piece << 32 | (long) buf.claimFree() * Wire.BLOCK;
  }

  /**
   * The next block to ask {@code p} for: of an unfinished piece, unless {@code p} has a piece that
   * is rarer than all those (then that one starts). Finishing unfinished pieces first spent a
   * capped player's whole upload on pieces every other player also had: in a 20-player swarm the
   * 128 pieces the origin had sent to one player stayed with it alone for a minute while it
   * uploaded at its cap, and the swarm's last 40 s ran at half speed waiting for them.
   */
  private long pick(Peer p, BitSet skip) {
    PieceBuf partial = rarestPartial(p, skip);
    boolean keepPartial =
        partial != null
            && (verified < RANDOM_FIRST_PIECES
                || avail[partial.index] == 0); // only seeds have it: nothing is rarer
    if (!keepPartial) {
      int piece = pickNewPiece(p, skip, partial == null ? Integer.MAX_VALUE : avail[partial.index]);
      if (piece == BUDGET_EXHAUSTED && partial == null) {
        budgetExhausted++;
        return -1;
      }
      if (piece >= 0) {
        return startPiece(piece);
      }
    }
    if (partial != null) {
      int b = partial.claimFree();
      if (b >= 0) {
        return (long) partial.index << 32 | (long) b * Wire.BLOCK;
      }
    }
    return endGamePick(p, skip);
  }

  /** The unfinished piece with free blocks that {@code p} has and the fewest peers have. */
  private PieceBuf rarestPartial(Peer p, BitSet skip) {
    PieceBuf best = null;
    for (PieceBuf buf : active.values()) {
      if (buf.free > 0
          && p.hasPiece(buf.index)
          && (skip == null || !skip.get(buf.index))
          && (best == null || avail[buf.index] < avail[best.index])) {
        best = buf;
      }
    }
    return best;
  }

  /** Rarest first among pieces the peer has; the first few pieces at random to start fast. */
  private int pickNewPiece(Peer p, BitSet skip, int rarerThan) {
    if (active.size() + verifying >= maxPiecesInMemory) {
      return BUDGET_EXHAUSTED; // hashing or disk is behind: buffer no more pieces
    }
    int n = pieceCount;
    int start = ThreadLocalRandom.current().nextInt(n);
    boolean random = verified < RANDOM_FIRST_PIECES;
    int best = -1;
    int bestAvail = Integer.MAX_VALUE;
    for (int k = 0; k < n; k++) {
      int i = (start + k) % n;
      if (pieceState[i] != NONE || !p.hasPiece(i) || (skip != null && skip.get(i))) {
        continue;
      }
      if (random) {
        return i;
      }
      int a = avail[i];
      if (a < bestAvail && a < rarerThan) {
        best = i;
        bestAvail = a;
        if (a <= 1) {
          break;
        }
      }
    }
    return best;
  }

  /**
   * A piece nobody but the origin seeder has: the one at {@link #originCursor} if it still is, else
   * a random one.
   */
  private int pieceOnlyAtOrigin(Peer p, BitSet elsewhere) {
    int piece = originCursor;
    if (piece < 0 || !askableOfOrigin(p, elsewhere, piece)) {
      piece = randomAskableOfOrigin(p, elsewhere);
    }
    originCursor = piece < 0 ? -1 : (piece + 1) % pieceCount;
    return piece;
  }

  private boolean askableOfOrigin(Peer p, BitSet elsewhere, int piece) {
    return pieceState[piece] == NONE && p.hasPiece(piece) && !elsewhere.get(piece);
  }

  /**
   * A piece drawn at random among those the seeder may be asked for: a few random draws first,
   * since scanning forward from a random index lands on the first piece after another peer's
   * stretch, which is where that peer is asking the seeder right now.
   */
  private int randomAskableOfOrigin(Peer p, BitSet elsewhere) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int tries = 0; tries < 32; tries++) {
      int i = random.nextInt(pieceCount);
      if (askableOfOrigin(p, elsewhere, i)) {
        return i;
      }
    }
    int start = random.nextInt(pieceCount);
    for (int k = 0; k < pieceCount; k++) {
      int i = (start + k) % pieceCount;
      if (askableOfOrigin(p, elsewhere, i)) {
        return i;
      }
    }
    return -1;
  }

  /** End game: duplicate a block already requested from someone else (at most twice). */
  private long endGamePick(Peer p, BitSet skip) {
    for (PieceBuf buf : active.values()) {
      if (!p.hasPiece(buf.index) || (skip != null && skip.get(buf.index))) {
        continue;
      }
      for (int b = 0; b < buf.blocks(); b++) {
        long key = (long) buf.index << 32 | (long) b * Wire.BLOCK;
        if (buf.blockState[b] == PieceBuf.REQUESTED
            && buf.requestCount[b] < 2
            && !p.requested.contains(key)) {
          buf.requestCount[b]++;
          return key;
        }
      }
    }
    return -1;
  }

  private void release(int piece, int begin) {
    PieceBuf buf = active.get(piece);
    if (buf != null) {
      buf.release(begin / Wire.BLOCK);
    }
  }

  void releaseAll(Peer p) {
    for (long key : p.requested) {
      release((int) (key >>> 32), (int) key);
    }
    p.requested.clear();
  }

  // ---------------------------------------------------------------- verification

  private void verify(PieceBuf buf, List<Peer> contributors) {
    verify(buf.index, buf.data, buf.size, contributors, buf);
  }

  private void verify(int index, byte[] data, int size, List<Peer> contributors, PieceBuf buf) {
    byte[] sha1 = meta.pieceSha1(index);
    byte[] sha256 = job.pieceSha256() == null ? null : job.pieceSha256().get(index);
    long position = (long) index * meta.pieceLength();
    engine.workers.execute(
        () -> {
          boolean ok =
              matches("SHA-1", data, size, sha1)
                  && (sha256 == null || matches("SHA-256", data, size, sha256));
          IOException failure = null;
          if (ok) {
            try {
              storage.write(position, data, size);
            } catch (IOException e) {
              failure = e;
            }
          }
          boolean good = ok;
          IOException error = failure;
          engine.execute(() -> onVerified(index, good, error, contributors, buf));
        });
  }

  static boolean matches(String algorithm, byte[] data, int size, byte[] expected) {
    try {
      MessageDigest md = MessageDigest.getInstance(algorithm);
      md.update(data, 0, size);
      return MessageDigest.isEqual(md.digest(), expected);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void onVerified(
      int index, boolean ok, IOException error, List<Peer> contributors, PieceBuf buf) {
    verifying--;
    if (state == Progress.State.CLOSED) {
      return;
    }
    if (error != null) {
      LOG.log(Level.WARNING, "cannot write piece " + index, error);
      pieceState[index] = NONE;
      return;
    }
    if (!ok) {
      pieceState[index] = NONE;
      punish(contributors, index, buf);
      return;
    }
    PieceBuf failed = suspects.remove(index);
    if (failed != null && buf != null) {
      banLiars(failed, buf);
    }
    recycle(buf);
    pieceState[index] = HAVE;
    have.set(index);
    verified++;
    bytesDone += meta.pieceSize(index);
    resumeDirty = true;
    for (Peer p : peers) {
      p.sendHave(index);
      engine.flushLater(p);
    }
    if (job.onPieceVerified() != null) {
      try {
        job.onPieceVerified().accept(index);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "piece listener failed", e);
      }
    }
    if (verified == pieceCount) {
      onComplete();
    }
  }

  /**
   * Bad data: a sole contributor is banned at once. When several peers shared the piece, the failed
   * copy is kept; once the piece verifies, the peers whose blocks differ from the good copy are
   * banned. The web seed is never banned (it is ours); its piece just goes back.
   */
  private void punish(List<Peer> contributors, int index, PieceBuf buf) {
    LOG.warning("piece " + index + " failed verification, from " + contributors);
    if (contributors.contains(null) && webSeed != null) {
      webSeed.backOff(); // the origin served bad data: do not hammer it
    }
    if (contributors.size() == 1 && contributors.get(0) != null) {
      engine.ban(contributors.get(0), "sent bad data for piece " + index);
    } else if (buf != null && suspects.size() < Math.max(2, (8 << 20) / meta.pieceLength())) {
      suspects.put(index, buf);
    }
  }

  /** Piece arrays are reused: at 150+ MB/s fresh 256 KiB arrays would keep the GC busy. */
  private void recycle(PieceBuf buf) {
    if (buf != null
        && buf.data.length == meta.pieceLength()
        && spare.size() + active.size() + verifying < maxPiecesInMemory) {
      spare.push(buf.data);
    }
  }

  private void banLiars(PieceBuf failed, PieceBuf good) {
    for (int b = 0; b < failed.blocks(); b++) {
      Peer p = failed.blockFrom[b];
      int off = b * Wire.BLOCK;
      int len = failed.blockLength(b);
      if (p != null && !Arrays.equals(failed.data, off, off + len, good.data, off, off + len)) {
        engine.ban(p, "sent bad block " + b + " of piece " + failed.index);
      }
    }
  }

  private void onComplete() {
    // A complete torrent only reads blocks from the file: up to 16 MiB of recycled piece arrays
    // kept for as long as it seeds is half of the agent's 32 MiB heap.
    spare.clear();
    state = seedOrComplete();
    publish();
    saveResume(true);
    if (tracker != null) {
      tracker.announce(dev.shoal.protocol.torrent.AnnounceRequest.Event.COMPLETED);
    }
    for (Peer p : new ArrayList<>(peers)) {
      if (p.isSeed(pieceCount) || !job.seedAfterComplete()) {
        engine.close(p, "both complete");
      } else {
        p.interested(false);
      }
    }
    completion.complete(snapshotNow());
  }

  // ---------------------------------------------------------------- origin (web seed)

  /** Picks a piece for the origin: one no connected peer has, else a random missing one. */
  int pickForOrigin(boolean anyPiece) {
    int start = ThreadLocalRandom.current().nextInt(pieceCount);
    int fallback = -1;
    for (int k = 0; k < pieceCount; k++) {
      int i = (start + k) % pieceCount;
      if (pieceState[i] != NONE) {
        continue;
      }
      if (avail[i] + seedPeers == 0) {
        return claimForOrigin(i);
      }
      if (fallback < 0) {
        fallback = i;
      }
    }
    return anyPiece && fallback >= 0 ? claimForOrigin(fallback) : -1;
  }

  private int claimForOrigin(int i) {
    pieceState[i] = ORIGIN;
    return i;
  }

  void onOriginPiece(int index, byte[] data) {
    if (data == null) {
      pieceState[index] = NONE;
      return;
    }
    fromOrigin.add(data.length);
    pieceState[index] = VERIFYING;
    verifying++;
    List<Peer> none = new ArrayList<>();
    none.add(null);
    verify(index, data, data.length, none, null);
  }

  boolean needsOrigin(long now) {
    if (!live() || isComplete() || webSeed == null) {
      return false;
    }
    if (originSeederConnected()) {
      // The publisher capped its seeder; the HTTP origin would bypass that cap, so while the seeder
      // is there only a long silence of every peer, or a download slow for just as long, calls
      // it in (at the start of a 20-player swarm the seeder's choking sent 0.07-0.17 F over HTTP
      // within seconds). The second rule bounds what a peer posing as the origin can hold back.
      boolean silent = now - lastUsefulPeerNanos > ORIGIN_SEEDER_PATIENCE;
      boolean slowForLong =
          now - startedNanos > ORIGIN_SEEDER_PATIENCE
              && now - lastFastNanos > ORIGIN_SEEDER_PATIENCE;
      return silent || slowForLong;
    }
    boolean starved = now - lastUsefulPeerNanos > engine.config.originFallbackAfter().toNanos();
    boolean slow =
        now - startedNanos > 5 * SECOND
            && fromPeers.perSecond() < engine.config.originMinPeerRate();
    return starved || slow;
  }

  private boolean originSeederConnected() {
    for (Peer p : peers) {
      if (p.origin && p.handshakeReceived && !p.snubbed) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- upload

  /** Serves queued requests into the peer's socket buffer while caps and buffer allow. */
  void fillUpload(Peer p) throws IOException {
    while (!p.peerRequests.isEmpty() && !p.amChoking) {
      Peer.Request r = p.peerRequests.iterator().next();
      int need = 13 + r.length();
      p.makeRoom(need);
      long tokens = Math.min(engine.upBucket.available(), upBucket.available());
      if (p.out.remaining() < need || tokens < r.length()) {
        if (tokens < r.length()) {
          engine.uploadThrottled = true;
        }
        return;
      }
      p.peerRequests.remove(r);
      p.out.putInt(9 + r.length()).put((byte) Wire.PIECE).putInt(r.piece()).putInt(r.begin());
      int limit = p.out.limit();
      p.out.limit(p.out.position() + r.length());
      storage.read((long) r.piece() * meta.pieceLength() + r.begin(), p.out);
      p.out.limit(limit);
      engine.upBucket.consume(r.length());
      upBucket.consume(r.length());
      uploaded.add(r.length());
      p.up.add(r.length());
    }
  }

  // ---------------------------------------------------------------- periodic work

  /** Every 100 ms: connect to candidates, keep pipelines full, use the origin when needed. */
  void tick(long now) {
    if (!live()) {
      return;
    }
    if (acceptsPeers() && (!isComplete() || engine.uploadEnabled())) {
      connectCandidates(now); // a seed dials too: a leecher behind NAT cannot dial it
    }
    if (!isComplete()) {
      for (Peer p : peers) {
        if (p.connected && p.handshakeReceived) {
          updateInterest(p);
          fillRequests(p);
          engine.flushLater(p);
        }
      }
      if (anyUsefulPeer()) {
        lastUsefulPeerNanos = Math.max(lastUsefulPeerNanos, now - SECOND / 2);
      }
      if (webSeed != null) {
        boolean any = needsOrigin(now);
        // Pieces no connected peer has go to the origin at once, as soon as bitfields are in.
        boolean missing = now - startedNanos > SECOND && anyHandshakenPeer();
        if (any || missing) {
          webSeed.fill(now, any);
        }
      }
    }
    if (tracker != null) {
      tracker.tick(now);
    }
  }

  private boolean anyHandshakenPeer() {
    for (Peer p : peers) {
      if (p.handshakeReceived) {
        return true;
      }
    }
    return false;
  }

  private boolean anyUsefulPeer() {
    for (Peer p : peers) {
      if (p.amInterested && !p.peerChoking && p.down.perSecond() > 0) {
        return true;
      }
    }
    return false;
  }

  private void connectCandidates(long now) {
    java.util.Set<InetSocketAddress> reached = new java.util.HashSet<>();
    for (Peer p : peers) {
      if (p.listenAddress != null) {
        reached.add(p.listenAddress);
      }
    }
    dialler.dialDue(now, isComplete(), reached, engine::canConnect, a -> engine.connect(this, a));
  }

  /** Every second: rates, choking (10 s), optimistic unchoke (30 s), resume state. */
  void secondTick(long now, double seconds) {
    fromPeers.sample(seconds);
    if (fromPeers.perSecond() >= engine.config.originMinPeerRate()) {
      lastFastNanos = now;
    }
    fromOrigin.sample(seconds);
    uploaded.sample(seconds);
    for (Peer p : peers) {
      p.down.sample(seconds);
      p.up.sample(seconds);
      p.refusedRequests = Math.max(0, p.refusedRequests - REFUSED_DECAY);
      p.unrequestedBytes = 0;
      releaseIfSnubbed(p, now);
    }
    if (now - lastResumeSave > 5 * SECOND) {
      saveResume(false);
    }
  }

  /**
   * A peer that holds our requests but sends nothing for 20 s (stalled, or a "slow loris") gives
   * its blocks back to the pool so other peers or the origin can fetch them.
   */
  private void releaseIfSnubbed(Peer p, long now) {
    long since = Math.max(p.lastBlockNanos, p.lastRequestNanos);
    if (!p.requested.isEmpty() && now - since > 20 * SECOND) {
      LOG.info("peer " + p + " sent nothing for 20 s: snubbed, its requests go elsewhere");
      p.snubbed = true;
      releaseAll(p);
      dropUntouchedPieces();
    }
  }

  /**
   * A banned peer's blocks in unfinished pieces are not trusted: they are fetched again from other
   * sources. A piece left with no data and no requests goes back to NONE, so that the origin may
   * take it (it takes only untouched pieces); otherwise a lone liar's half-filled pieces stalled
   * the download for good.
   */
  void forgetBlocksFrom(Peer p) {
    for (PieceBuf buf : active.values()) {
      if (!buf.contributors.remove(p)) {
        continue;
      }
      for (int b = 0; b < buf.blocks(); b++) {
        if (buf.blockFrom[b] == p && buf.blockState[b] == PieceBuf.RECEIVED) {
          buf.blockState[b] = PieceBuf.FREE;
          buf.blockFrom[b] = null;
          buf.received--;
          buf.free++;
          buf.firstFree = Math.min(buf.firstFree, b);
        }
      }
    }
    dropUntouchedPieces();
  }

  /** Active pieces with no data and no requests go back to NONE, so the origin may take them. */
  private void dropUntouchedPieces() {
    Iterator<PieceBuf> it = active.values().iterator();
    while (it.hasNext()) {
      PieceBuf buf = it.next();
      if (buf.received == 0 && buf.free == buf.blocks()) {
        it.remove();
        pieceState[buf.index] = NONE;
        recycle(buf);
      }
    }
  }

  boolean canUnchokeMore() {
    if (!engine.uploadEnabled()) {
      return false;
    }
    int unchoked = 0;
    for (Peer p : peers) {
      if (!p.amChoking && !p.optimistic) {
        unchoked++;
      }
    }
    return unchoked < uploadSlots();
  }

  private int uploadSlots() {
    if (servesEveryPlayer()) {
      return Integer.MAX_VALUE;
    }
    return engine.config.uploadSlots() + extraUploadSlots;
  }

  /**
   * The publisher's origin seeder unchokes every player that wants data, and its one upload budget
   * is shared among them round robin (the engine's tick): each downloading player gets a fair
   * share, so none is ever slower than the origin alone would make it. With slots, the choked
   * players waited for other players' uploads while the seeder had budget to spare for them.
   */
  private boolean servesEveryPlayer() {
    return engine.config.isOrigin() && isComplete();
  }

  /**
   * Regular unchoke: best uploaders to us (or best downloaders from us once we seed).
   *
   * @param uploadBusy the share of the last interval's ticks that found the upload cap reached (for
   *     the whole engine, all torrents together); negative when no tick was measured
   */
  void rechoke(long now, double uploadBusy) {
    if (LOG.isLoggable(Level.FINE)) {
      LOG.fine(state());
    }
    budgetExhausted = 0;
    if (!engine.uploadEnabled()) {
      peers.forEach(p -> p.choke(true));
      return;
    }
    adaptUploadSlots(uploadBusy);
    List<Peer> interested = new ArrayList<>();
    for (Peer p : peers) {
      if (p.peerInterested && p.handshakeReceived) {
        interested.add(p);
      } else {
        p.optimistic = false;
      }
    }
    interested.sort(unchokeOrder());
    int slots = uploadSlots();
    boolean newOptimistic = now - lastOptimisticNanos >= 30 * SECOND;
    for (int i = 0; i < interested.size(); i++) {
      Peer p = interested.get(i);
      if (i < slots) {
        p.optimistic = false;
        p.choke(false);
      } else if (!p.optimistic || newOptimistic) {
        p.optimistic = false;
        p.choke(true);
      }
    }
    if (newOptimistic && interested.size() > slots) {
      lastOptimisticNanos = now;
      List<Peer> rest = interested.subList(slots, interested.size());
      Peer lucky = rest.get(ThreadLocalRandom.current().nextInt(rest.size()));
      lucky.optimistic = true;
      lucky.choke(false);
    }
    peers.forEach(engine::flushLater);
  }

  /**
   * Who is unchoked first. Downloading: the peers that send us most (tit for tat). Seeding: those
   * that take most, so the upload goes where it moves fastest. The publisher's origin seeder
   * instead serves first the players it has sent least: it puts each piece into the swarm about
   * once, and a player it favoured collected its pieces at up to 5 MB/s while passing them on at
   * its 2 MB/s cap; in a 20-player swarm one player finished at 67 s as the only holder of 290
   * pieces, and the others' last 20 s waited on its upload.
   */
  private Comparator<Peer> unchokeOrder() {
    if (isComplete() && engine.config.isOrigin()) {
      return Comparator.comparingLong((Peer p) -> p.up.total());
    }
    Comparator<Peer> byRate =
        isComplete()
            ? Comparator.comparingLong((Peer p) -> p.up.perSecond())
            : Comparator.comparingLong((Peer p) -> p.down.perSecond());
    return byRate.reversed();
  }

  /**
   * With an upload cap, unchokes more peers while the cap is not reached, and fewer again once it
   * is: the fixed slots left a capped uploader half idle at the end of a 20-player swarm, while the
   * peers that needed its pieces waited choked (the swarm's rate fell from 40 to 6 MB/s over its
   * last 50 s). Without a cap "reached" cannot be told, so the configured slots stay.
   */
  private void adaptUploadSlots(double uploadBusy) {
    boolean capped = engine.upBucket.rate() > 0 || upBucket.rate() > 0;
    if (!capped) {
      extraUploadSlots = 0;
    } else if (uploadBusy < 0) {
      return; // no ticks measured yet
    } else if (uploadBusy < 0.5 && chokedInterestedPeers() > 0) {
      extraUploadSlots = Math.min(extraUploadSlots + 4, MAX_EXTRA_UPLOAD_SLOTS);
    } else if (uploadBusy > 0.9) {
      extraUploadSlots = Math.max(0, extraUploadSlots - 1); // slowly: the need comes back
    }
  }

  /**
   * One line of what this torrent is doing, logged at FINE every rechoke: where a swarm's time goes
   * (pieces waiting for a rare holder, the in-memory budget, choking) is not visible in rates.
   */
  private String state() {
    int[] byAvail = new int[4];
    for (int i = 0; i < pieceCount; i++) {
      if (pieceState[i] != HAVE) {
        byAvail[Math.min(avail[i], 3)]++;
      }
    }
    int unchokingUs = 0;
    int weUnchoke = 0;
    int interestedInUs = 0;
    int requests = 0;
    int snubbedPeers = 0;
    for (Peer p : peers) {
      unchokingUs += p.peerChoking ? 0 : 1;
      weUnchoke += p.amChoking ? 0 : 1;
      interestedInUs += p.peerInterested ? 1 : 0;
      requests += p.requested.size();
      snubbedPeers += p.snubbed ? 1 : 0;
    }
    return String.format(
        java.util.Locale.ROOT,
        "state %s: have %d/%d; active %d, verifying %d, budget %d, budget hit %d; missing by"
            + " holders 0:%d 1:%d 2:%d 3+:%d; peers %d, unchoking us %d, snubbed %d, requests"
            + " out %d; interested in us %d, we unchoke %d of %d slots; down %d up %d B/s",
        meta.infoHashHex().substring(0, 8),
        verified,
        pieceCount,
        active.size(),
        verifying,
        maxPiecesInMemory,
        budgetExhausted,
        byAvail[0],
        byAvail[1],
        byAvail[2],
        byAvail[3],
        peers.size(),
        unchokingUs,
        snubbedPeers,
        requests,
        interestedInUs,
        weUnchoke,
        uploadSlots(),
        fromPeers.perSecond() + fromOrigin.perSecond(),
        uploaded.perSecond());
  }

  private int chokedInterestedPeers() {
    int n = 0;
    for (Peer p : peers) {
      if (p.peerInterested && p.amChoking && p.handshakeReceived) {
        n++;
      }
    }
    return n;
  }

  void saveResume(boolean force) {
    if (job.resumeFile() == null || (!resumeDirty && !force)) {
      return;
    }
    resumeDirty = false;
    lastResumeSave = System.nanoTime();
    BitSet copy = (BitSet) have.clone();
    long seq = ++resumeSeq;
    engine.resumeWriter.execute(() -> writeResume(copy, seq));
  }

  /** Two workers may race; the lock plus sequence number keep the newest state on disk. */
  private void writeResume(BitSet copy, long seq) {
    synchronized (resumeLock) {
      if (seq <= resumeWritten) {
        return;
      }
      try {
        storage.force();
        ResumeState.write(job.resumeFile(), infoHash, meta.length(), pieceCount, copy);
        resumeWritten = seq;
      } catch (IOException e) {
        LOG.log(Level.WARNING, "cannot save resume state", e);
      }
    }
  }

  // ---------------------------------------------------------------- control

  void setPaused(boolean pause) {
    paused = pause;
    if (pause) {
      for (Peer p : new ArrayList<>(peers)) {
        engine.close(p, "paused");
      }
      for (PieceBuf buf : active.values()) {
        pieceState[buf.index] = NONE;
      }
      active.clear();
    } else {
      dialler.retryAllNow();
      lastUsefulPeerNanos = System.nanoTime();
    }
    publish();
  }

  void closeTorrent() {
    for (Peer p : new ArrayList<>(peers)) {
      engine.close(p, "torrent removed");
    }
    if (tracker != null) {
      tracker.announce(dev.shoal.protocol.torrent.AnnounceRequest.Event.STOPPED);
    }
    saveResume(true);
    state = Progress.State.CLOSED;
    // Same single thread as the resume save queued just above, so the save sees an open file.
    engine.resumeWriter.execute(
        () -> {
          try {
            storage.close();
          } catch (IOException e) {
            LOG.log(Level.FINE, "close", e);
          }
        });
    publish();
    completion.completeExceptionally(new IllegalStateException("torrent closed"));
  }

  void fail(String why, Throwable t) {
    LOG.log(Level.WARNING, why, t);
    state = Progress.State.ERROR;
    publish();
    completion.completeExceptionally(new IllegalStateException(why, t));
  }

  long left() {
    return meta.length() - bytesDone;
  }

  /** Piece arrays held (in flight and spare); engine thread, or after completion for tests. */
  int pieceArraysHeld() {
    return spare.size() + active.size();
  }

  Progress snapshotNow() {
    Progress.State s = paused ? Progress.State.PAUSED : state;
    return new Progress(
        s,
        bytesDone,
        meta.length(),
        fromPeers.perSecond() + fromOrigin.perSecond(),
        uploaded.perSecond(),
        peers.size(),
        fromPeers.total() - fromOriginSeeder.total(),
        fromOrigin.total() + fromOriginSeeder.total(),
        uploaded.total(),
        verified,
        pieceCount,
        peersBanned);
  }

  void publish() {
    snapshot = snapshotNow();
  }

  static String hex(byte[] b) {
    return java.util.HexFormat.of().formatHex(b);
  }
}
