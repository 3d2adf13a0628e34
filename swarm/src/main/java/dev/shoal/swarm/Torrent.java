package dev.shoal.swarm;

import dev.shoal.protocol.torrent.Metainfo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One torrent: takes its peers' messages, runs its periodic work and keeps its progress; the
 * decisions are its parts': the piece table ({@link PieceTable}), what to ask whom ({@link
 * Picker}), when the origin helps ({@link OriginPolicy}), whom to upload to ({@link Choker}),
 * verification ({@link Verifier}), whom to dial ({@link Dialler}). Runs on the engine thread;
 * hashing and disk writes go to the engine's worker pool and come back as tasks.
 */
final class Torrent {

  /** Piece states, availability and the pieces in memory. */
  final PieceTable pieces;

  /** What to ask whom. */
  final Picker picker;

  /** When the origin helps, and what it is asked for. */
  final OriginPolicy origin;

  /** Whom we upload to. */
  final Choker choker;

  /** Hash checks, writes and bans for bad data. */
  final Verifier verifier;

  private static final Logger LOG = Logger.getLogger(Torrent.class.getName());
  static final long SECOND = 1_000_000_000L;

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

  /** When peers last delivered at least {@code originMinPeerRate} (sampled every second). */
  long lastFastNanos;

  private final Dialler dialler = new Dialler();
  final CompletableFuture<Progress> completion = new CompletableFuture<>();
  final Tracker tracker;
  final WebSeed webSeed;

  /** Peers of this torrent banned so far (counted by {@link Engine#ban}). */
  int peersBanned;

  /** The longest queue of requests any peer has had with us (a bound the flood tests check). */
  int peakQueuedRequests;

  final Rate fromPeers = new Rate();
  final Rate fromOrigin = new Rate();

  /**
   * The part of {@link #fromPeers} that came from the publisher's origin seeder over BitTorrent:
   * reported as origin bytes, but still counted in {@code fromPeers} for the web-seed fallback
   * decision (the seeder delivering well means the web seed need not help).
   */
  final Rate fromOriginSeeder = new Rate();

  final Rate uploaded = new Rate();
  Progress.State state = Progress.State.CHECKING;
  private boolean paused;
  boolean resumeDirty;
  private long lastResumeSave;
  private long resumeSeq;
  private final Object resumeLock = new Object();
  private long resumeWritten;
  long lastUsefulPeerNanos = System.nanoTime();

  long startedNanos = System.nanoTime();
  volatile Progress snapshot;

  Torrent(Engine engine, Metainfo meta, TorrentJob job, Storage storage) {
    this.engine = engine;
    this.meta = meta;
    this.job = job;
    this.infoHash = meta.infoHash();
    this.pieceCount = meta.pieceCount();
    this.storage = storage;
    this.pieces = new PieceTable(this);
    this.picker = new Picker(this);
    this.origin = new OriginPolicy(this);
    this.choker = new Choker(this);
    this.verifier = new Verifier(this);
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
      pieces.pieceState[i] = PieceTable.HAVE;
      pieces.have.set(i);
      pieces.verified++;
      pieces.bytesDone += meta.pieceSize(i);
    }
  }

  void goLive() {
    state = pieces.verified == pieceCount ? seedOrComplete() : Progress.State.DOWNLOADING;
    startedNanos = System.nanoTime();
    lastUsefulPeerNanos = startedNanos;
    lastFastNanos = startedNanos;
    if (pieces.verified == pieceCount) {
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
    return pieces.verified == pieceCount;
  }

  boolean acceptsPeers() {
    return live() && (!isComplete() || job.seedAfterComplete());
  }

  // ---------------------------------------------------------------- peer lifecycle

  void onConnected(Peer p) {
    peers.add(p);
    if (p.extended) {
      Map<String, Object> ext = new HashMap<>();
      // ut_holepunch only here: a standard client sends us nothing it did not see advertised.
      ext.put(
          "m",
          engine.config.holePunch() ? Map.of("ut_holepunch", (long) HolePunch.OUR_ID) : Map.of());
      ext.put("v", engine.config.userAgent());
      ext.put("reqq", (long) MAX_QUEUED_REQUESTS);
      if (engine.listenPort() > 0) {
        ext.put("p", (long) engine.listenPort());
      }
      byte[] hs = dev.shoal.protocol.torrent.Bencode.encode(ext);
      p.sendExtended(0, hs);
    }
    if (p.fast && pieces.verified == pieceCount) {
      p.sendSimple(Wire.HAVE_ALL);
    } else if (p.fast && pieces.verified == 0) {
      p.sendSimple(Wire.HAVE_NONE);
    } else if (pieces.verified > 0) {
      p.sendBitfield(pieces.have, pieceCount);
    }
  }

  void onDisconnected(Peer p) {
    if (!peers.remove(p)) {
      return;
    }
    releaseAll(p);
    pieces.peerGone(p);
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
    engine.holePunch.dialFailed(this, a);
  }

  void addTrackerPeers(List<InetSocketAddress> list) {
    dialler.addFromTracker(list);
  }

  // ---------------------------------------------------------------- incoming messages

  void onHave(Peer p, int index) {
    if (p.hasAll || p.has.get(index) || p.refused.get(index)) {
      return;
    }
    pieces.peerHas(p, index);
    if (pieces.pieceState[index] != PieceTable.HAVE) {
      p.interested(true);
    }
    if (p.has.cardinality() == pieceCount) {
      pieces.peerIsSeed(p);
      closeIfBothComplete(p);
    }
  }

  void onBitfield(Peer p, BitSet bits) {
    if (p.hasAll) {
      return;
    }
    bits.andNot(p.refused);
    pieces.peerHas(p, bits);
    if (bits.cardinality() == pieceCount) {
      pieces.peerIsSeed(p);
    }
    updateInterest(p);
    closeIfBothComplete(p);
  }

  void onHaveAll(Peer p) {
    if (p.hasAll || !p.refused.isEmpty()) {
      return; // after refusing pieces, "I have everything" is not believed
    }
    pieces.peerIsSeed(p);
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
    wanted.andNot(pieces.have);
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
    pieces.release(piece, begin);
    if (p.origin) {
      origin.declined(piece);
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
    pieces.peerLacks(p, piece);
    if (p.refused.cardinality() >= Math.min(LIES_BEFORE_BAN, pieceCount)) {
      engine.ban(p, "refused " + p.refused.cardinality() + " pieces it advertised");
    } else {
      updateInterest(p);
    }
  }

  void onInterestChanged(Peer p) {
    if (p.peerInterested && p.amChoking && choker.canUnchoke(p)) {
      p.choke(false);
    }
  }

  /**
   * A REQUEST (already range-checked by the decoder). Queued if we can serve it and the queue has
   * room; otherwise rejected (BEP 6) and counted, and a peer that keeps it up is banned: memory per
   * peer stays bounded by {@link #MAX_QUEUED_REQUESTS}.
   */
  void onRequest(Peer p, int piece, int begin, int length) {
    boolean servable =
        !p.amChoking && engine.uploadEnabled() && pieces.pieceState[piece] == PieceTable.HAVE;
    if (servable && p.peerRequests.size() < MAX_QUEUED_REQUESTS) {
      if (p.peerRequests.add(new Peer.Request(piece, begin, length))) {
        peakQueuedRequests = Math.max(peakQueuedRequests, p.peerRequests.size());
        return;
      }
      // a duplicate of a queued request: it will be served once; no reject, which would confuse
    } else {
      p.reject(piece, begin, length);
    }
    if (p.refusedOne() > REFUSED_REQUESTS_LIMIT) {
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
    p.delivered(System.nanoTime());
    long key = (long) piece << 32 | begin;
    boolean wasRequested = p.requested.remove(key);
    if (!wasRequested) {
      picker.chargeDownload(len); // asked-for blocks were charged with their request
      p.unrequested(len);
    }
    if (wasRequested && len != Math.min(Wire.BLOCK, meta.pieceSize(piece) - begin)) {
      // Not the block we asked for. Give the request back first: dropping it silently left the
      // block "requested" by nobody, and the download stalled for good.
      pieces.release(piece, begin);
      engine.ban(p, "answered a request of piece " + piece + " with " + len + " bytes");
      return;
    }
    PieceBuf buf = pieces.active.get(piece);
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
      pieces.active.remove(piece);
      pieces.pieceState[piece] = PieceTable.VERIFYING;
      pieces.verifying++;
      verifier.verify(buf, new ArrayList<>(buf.contributors));
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

  void releaseAll(Peer p) {
    for (long key : p.requested) {
      pieces.release((int) (key >>> 32), (int) key);
    }
    p.requested.clear();
  }

  void onComplete() {
    // A complete torrent only reads blocks from the file: up to 16 MiB of recycled piece arrays
    // kept for as long as it seeds is half of the agent's 32 MiB heap.
    pieces.spare.clear();
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

  void onOriginPiece(int index, byte[] data) {
    if (data == null) {
      pieces.pieceState[index] = PieceTable.NONE;
      return;
    }
    fromOrigin.add(data.length);
    pieces.pieceState[index] = PieceTable.VERIFYING;
    pieces.verifying++;
    List<Peer> none = new ArrayList<>();
    none.add(null);
    verifier.verify(index, data, data.length, none, null);
  }

  // ---------------------------------------------------------------- upload

  /**
   * Whether uploads to {@code p} skip the upload caps: a player's uploads to a LAN peer stay in the
   * home, and the caps are there for the player's uplink (as Delivery Optimization does), once the
   * player agreed to it ({@link Swarm#setLanUploadsUncapped}). Whether to upload at all is still
   * consent's: with uploads off everyone is choked and every request refused. The origin seeder's
   * budget is the publisher's egress, shared with its HTTP side: it holds for every peer.
   */
  boolean uploadUncapped(Peer p) {
    return p.lanPeer() && !engine.config.isOrigin() && engine.lanUploadsUncapped;
  }

  /** Serves queued requests into the peer's socket buffer while caps and buffer allow. */
  void fillUpload(Peer p) throws IOException {
    boolean uncapped = uploadUncapped(p);
    while (!p.peerRequests.isEmpty() && !p.amChoking) {
      Peer.Request r = p.peerRequests.iterator().next();
      int need = 13 + r.length();
      p.makeRoom(need);
      long tokens =
          uncapped ? Long.MAX_VALUE : Math.min(engine.upBucket.available(), upBucket.available());
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
      if (!uncapped) {
        engine.upBucket.consume(r.length());
        upBucket.consume(r.length());
      }
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
          picker.fillRequests(p);
          engine.flushLater(p);
        }
      }
      if (anyUsefulPeer()) {
        lastUsefulPeerNanos = Math.max(lastUsefulPeerNanos, now - SECOND / 2);
      }
      if (webSeed != null) {
        boolean any = origin.needsOrigin(now);
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
      p.newSecond(REFUSED_DECAY);
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
      p.snub();
      releaseAll(p);
      pieces.dropUntouchedPieces();
    }
  }

  /**
   * One line of what this torrent is doing, logged at FINE every rechoke: where a swarm's time goes
   * (pieces waiting for a rare holder, the in-memory budget, choking) is not visible in rates.
   */
  String state() {
    int[] byAvail = new int[4];
    for (int i = 0; i < pieceCount; i++) {
      if (pieces.pieceState[i] != PieceTable.HAVE) {
        byAvail[Math.min(pieces.avail[i], 3)]++;
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
        pieces.verified,
        pieceCount,
        pieces.active.size(),
        pieces.verifying,
        pieces.maxPiecesInMemory,
        picker.budgetExhausted,
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
        choker.uploadSlots(),
        fromPeers.perSecond() + fromOrigin.perSecond(),
        uploaded.perSecond());
  }

  void saveResume(boolean force) {
    if (job.resumeFile() == null || (!resumeDirty && !force)) {
      return;
    }
    resumeDirty = false;
    lastResumeSave = System.nanoTime();
    BitSet copy = (BitSet) pieces.have.clone();
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
      for (PieceBuf buf : pieces.active.values()) {
        pieces.pieceState[buf.index] = PieceTable.NONE;
      }
      pieces.active.clear();
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
    return meta.length() - pieces.bytesDone;
  }

  /** Piece arrays held (in flight and spare); engine thread, or after completion for tests. */
  int pieceArraysHeld() {
    return pieces.spare.size() + pieces.active.size();
  }

  Progress snapshotNow() {
    Progress.State s = paused ? Progress.State.PAUSED : state;
    return new Progress(
        s,
        pieces.bytesDone,
        meta.length(),
        fromPeers.perSecond() + fromOrigin.perSecond(),
        uploaded.perSecond(),
        peers.size(),
        fromPeers.total() - fromOriginSeeder.total(),
        fromOrigin.total() + fromOriginSeeder.total(),
        uploaded.total(),
        pieces.verified,
        pieceCount,
        peersBanned);
  }

  void publish() {
    snapshot = snapshotNow();
  }

  static String hex(byte[] b) {
    return java.util.HexFormat.of().formatHex(b);
  }

  // ---------------------------------------------------------------- entry points of the parts

  void fillRequests(Peer p) {
    picker.fillRequests(p);
  }

  boolean downloadCapped() {
    return picker.downloadCapped();
  }

  boolean downloadInDebt() {
    return picker.downloadInDebt();
  }

  void topUpRequests() {
    picker.topUpRequests();
  }

  int pickForOrigin(boolean anyPiece) {
    return origin.pickForOrigin(anyPiece);
  }

  void rechoke(long now, double uploadBusy) {
    choker.rechoke(now, uploadBusy);
  }

  void forgetBlocksFrom(Peer p) {
    pieces.forgetBlocksFrom(p);
  }
}
