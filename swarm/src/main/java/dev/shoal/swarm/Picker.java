package dev.shoal.swarm;

import java.util.BitSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What to ask whom: tops up each peer's request pipeline, rarest first (random for the first
 * pieces, end game at the end), and the publisher's origin seeder in the order of {@link
 * #pickForOriginSeeder}. Download caps are charged here, when a block is requested. Engine thread
 * only.
 */
final class Picker {
  private static final int RANDOM_FIRST_PIECES = 4;
  private static final int BUDGET_EXHAUSTED = -2;

  /** Which peer a capped download's next tokens go to first ({@link #topUpRequests}). */
  private int requestTurn;

  /** Blocks kept requested from a peer whose rate is not known yet (see fillRequests). */
  private static final int MIN_REQUEST_DEPTH = 8;

  /**
   * Picks refused because {@link PieceTable#maxPiecesInMemory} pieces were in memory, since the
   * rechoke.
   */
  int budgetExhausted;

  private final Torrent t;

  Picker(Torrent t) {
    this.t = t;
  }

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
    if (!p.amInterested || p.peerChoking || p.snubbed || !t.live() || t.isComplete()) {
      return false;
    }
    // About a second of what the peer delivers, at least 8 blocks. A floor of 64 blocks (1 MiB)
    // queued 5 s at a capped player serving ten others, so a 20-player swarm's pieces sat half
    // done at busy peers, filled the in-memory budget, and left idle peers unasked at the end.
    long rate = p.down.perSecond();
    // A LAN peer gets the deepest pipeline at once: the LAN's round trip is short and its
    // bandwidth the home's, so a deep queue costs nothing there, and ramping up from 8 blocks gave
    // the first megabytes to the slower internet peers.
    int depth =
        p.lanPeer()
            ? t.engine.config.maxRequestsPerPeer()
            : (int)
                Math.min(
                    t.engine.config.maxRequestsPerPeer(),
                    Math.max(MIN_REQUEST_DEPTH, rate / Wire.BLOCK));
    p.setRequestDepth(Math.min(depth, Math.max(4, p.remoteReqq)));
    BitSet lanTakes = p.lanPeer() ? null : lanPeersTake();
    BitSet elsewhere = p.origin ? t.origin.withDeclined(t.origin.elsewhere()) : null;
    if (elsewhere != null && lanTakes != null) {
      elsewhere.or(lanTakes);
    }
    int sent = 0;
    while (sent < most && p.requested.size() < p.requestDepth && downloadTokens() >= Wire.BLOCK) {
      long key = p.origin ? pickForOriginSeeder(p, elsewhere, lanTakes) : pick(p, lanTakes);
      if (key < 0) {
        break;
      }
      int piece = (int) (key >>> 32);
      int begin = (int) key;
      if (p.requested.isEmpty()) {
        p.firstRequestSent(System.nanoTime()); // the snub clock starts with the first request
      }
      p.requested.add(key);
      int length = Math.min(Wire.BLOCK, t.meta.pieceSize(piece) - begin);
      p.sendRequest(Wire.REQUEST, piece, begin, length);
      chargeDownload(length);
      sent++;
    }
    return sent > 0;
  }

  /** Download bytes the engine's and this torrent's caps allow now; Long.MAX_VALUE uncapped. */
  private long downloadTokens() {
    return Math.min(t.engine.downBucket.available(), t.downBucket.available());
  }

  void chargeDownload(long bytes) {
    t.engine.downBucket.consume(bytes);
    t.downBucket.consume(bytes);
  }

  boolean downloadCapped() {
    return t.engine.downBucket.rate() > 0 || t.downBucket.rate() > 0;
  }

  /**
   * A cap is in debt: the origin took a piece up front, or peers sent blocks we never asked for.
   */
  boolean downloadInDebt() {
    return t.engine.downBucket.inDebt() || t.downBucket.inDebt();
  }

  /**
   * Under a download cap, requests wait for tokens, which come every engine tick (10 ms): the
   * pipelines are topped up then, one block per peer in turn, starting each tick with the next
   * peer. Filled in list order, the first peer took every token and a peer holding the one piece we
   * lacked was never asked.
   */
  void topUpRequests() {
    if (!t.live() || t.isComplete() || t.peers.isEmpty()) {
      return;
    }
    int n = t.peers.size();
    int first = Math.floorMod(requestTurn++, n);
    boolean any = true;
    while (any && downloadTokens() >= Wire.BLOCK) {
      any = false;
      for (int k = 0; k < n; k++) {
        Peer p = t.peers.get((first + k) % n);
        if (p.handshakeReceived && requestMore(p, 1)) {
          t.engine.flushLater(p);
          any = true;
        }
      }
    }
  }

  /**
   * The next block to ask the publisher's origin seeder for. It serves every downloading player a
   * fair share of its budget, and a player keeps its pipeline there full whatever the other peers
   * do: peers only add speed. (Asking it only for pieces no other peer had, while it refused pieces
   * it had sent to another player, held a second player to the first one's 1 MB/s upload while the
   * seeder's 20 MB/s sat idle: 36 s where the origin alone needed 6.7 s.) What it is asked for, in
   * this order: blocks of pieces begun with it that nobody else has, a new piece nobody else has (a
   * walk, see {@link OriginPolicy#originCursor}), blocks of an unfinished piece or a new piece
   * (rarest first) that no peer with room in its pipeline could be asked for ({@link
   * OriginPolicy#peersHaveRoomFor}), and last a second request for a block another peer still holds
   * (end game), so nothing waits on a slow peer while the origin could send it.
   */
  private long pickForOriginSeeder(Peer p, BitSet elsewhere, BitSet lanTakes) {
    PieceBuf partial = rarestPartial(p, elsewhere);
    if (partial == null) {
      int piece =
          t.pieces.active.size() + t.pieces.verifying >= t.pieces.maxPiecesInMemory
              ? BUDGET_EXHAUSTED
              : t.origin.pieceOnlyAtOrigin(p, elsewhere);
      if (piece >= 0) {
        return t.pieces.startPiece(piece);
      }
      partial = rarestPartial(p, othersTake(lanTakes));
    }
    if (partial != null) {
      return (long) partial.index << 32 | (long) partial.claimFree() * Wire.BLOCK;
    }
    if (t.pieces.active.size() + t.pieces.verifying < t.pieces.maxPiecesInMemory) {
      int piece = pickNewPiece(p, othersTake(lanTakes), Integer.MAX_VALUE);
      if (piece >= 0) {
        return t.pieces.startPiece(piece);
      }
    }
    return endGamePick(p, othersTake(lanTakes));
  }

  /** What the origin seeder is not asked for: what peers with room, or LAN peers, can take. */
  private BitSet othersTake(BitSet lanTakes) {
    BitSet skip = t.origin.withDeclined(t.origin.peersHaveRoomFor());
    if (lanTakes != null) {
      skip.or(lanTakes);
    }
    return skip;
  }

  /**
   * The pieces LAN peers keeping up can be asked for: no one else, the origin seeder included, is
   * asked for them (null: none). A LAN peer's traffic stays in the home and is usually far faster
   * than the uplinks of other players or the origin's share; asked by rarity like everyone else, a
   * LAN neighbour that had the whole pack delivered only 21% of a player's bytes in the lab. A LAN
   * peer keeps up while its outstanding requests are delivered within about a second at its
   * measured rate, and it leaves the origin seeder out only while it is faster than the origin
   * seeder has been for us ({@link #originPeak}): a slow one (Wi-Fi at a distance, a busy machine,
   * a neighbour whose uploads keep their cap) does not, and then the others and the origin fill in
   * what it cannot take, as for any peer: peers only ever add.
   */
  private BitSet lanPeersTake() {
    Peer origin = null;
    for (Peer o : t.peers) {
      if (o.origin && o.handshakeReceived) {
        origin = o;
        originPeak = Math.max(originPeak, o.down.perSecond());
      }
    }
    BitSet out = null;
    for (Peer o : t.peers) {
      if (!o.lanPeer()
          || !o.handshakeReceived
          || !o.amInterested
          || o.peerChoking
          || o.snubbed
          || !keepsUp(o)
          || (origin != null && (originPeak == 0 || o.down.perSecond() <= originPeak))) {
        continue;
      }
      if (out == null) {
        out = new BitSet(t.pieceCount);
      }
      if (o.hasAll) {
        out.set(0, t.pieceCount);
        return out;
      }
      out.or(o.has);
      out.andNot(o.refused);
    }
    return out;
  }

  /**
   * The fastest the origin seeder has delivered to us in a second, bytes/s: what a LAN peer must
   * beat before the origin is left out of what it can take (0: not measured yet, and then it is not
   * left out). The origin seeder's share of the publisher's budget is what this player would get
   * from the origin alone.
   */
  private long originPeak;

  private static boolean keepsUp(Peer o) {
    long rate = o.down.perSecond();
    return rate > 0
        && (o.requested.size() < o.requestDepth || (long) o.requested.size() * Wire.BLOCK <= rate);
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
            && (t.pieces.verified < RANDOM_FIRST_PIECES
                || t.pieces.avail[partial.index] == 0); // only seeds have it: nothing is rarer
    if (!keepPartial) {
      int piece =
          pickNewPiece(
              p, skip, partial == null ? Integer.MAX_VALUE : t.pieces.avail[partial.index]);
      if (piece == BUDGET_EXHAUSTED && partial == null) {
        budgetExhausted++;
        return -1;
      }
      if (piece >= 0) {
        return t.pieces.startPiece(piece);
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
    for (PieceBuf buf : t.pieces.active.values()) {
      if (buf.free > 0
          && p.hasPiece(buf.index)
          && (skip == null || !skip.get(buf.index))
          && (best == null || t.pieces.avail[buf.index] < t.pieces.avail[best.index])) {
        best = buf;
      }
    }
    return best;
  }

  /** Rarest first among pieces the peer has; the first few pieces at random to start fast. */
  private int pickNewPiece(Peer p, BitSet skip, int rarerThan) {
    if (t.pieces.active.size() + t.pieces.verifying >= t.pieces.maxPiecesInMemory) {
      return BUDGET_EXHAUSTED; // hashing or disk is behind: buffer no more pieces
    }
    int n = t.pieceCount;
    int start = ThreadLocalRandom.current().nextInt(n);
    boolean random = t.pieces.verified < RANDOM_FIRST_PIECES;
    int best = -1;
    int bestAvail = Integer.MAX_VALUE;
    for (int k = 0; k < n; k++) {
      int i = (start + k) % n;
      if (t.pieces.pieceState[i] != PieceTable.NONE
          || !p.hasPiece(i)
          || (skip != null && skip.get(i))) {
        continue;
      }
      if (random) {
        return i;
      }
      int a = t.pieces.avail[i];
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

  /** End game: duplicate a block already requested from someone else (at most twice). */
  private long endGamePick(Peer p, BitSet skip) {
    for (PieceBuf buf : t.pieces.active.values()) {
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
}
