package dev.shoal.swarm;

import java.util.BitSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When the origin helps, and with what: the pieces the origin seeder is asked for first (those no
 * other peer has, or can take now), the pieces it refused lately, and when the HTTP origin (web
 * seed) is called in and which piece it fetches. Engine thread only.
 */
final class OriginPolicy {
  /**
   * The next piece to ask the origin seeder for, once other peers deliver (-1: none yet). Each
   * player walks forward through a stretch of pieces nobody has, and jumps to a random such piece
   * when it reaches one another peer has. Players that picked a random piece for every request
   * asked the seeder for the same piece as another player (both requests in flight, neither seen by
   * the other) for about 0.2 F; players that each walked from a fixed start caught up with each
   * other's stretch and then asked for the same pieces in lock step (0.8 F).
   */
  private int originCursor = -1;

  /**
   * Pieces the origin seeder refused us lately: not asked of it again until the set is cleared
   * every {@link #ORIGIN_DECLINED_FOR}. Our seeder refuses nothing; an older one, or a peer posing
   * as the origin, would otherwise be asked again at once after every REJECT, in a loop.
   */
  private final BitSet originDeclined = new BitSet();

  private long originDeclinedSince;
  private static final long ORIGIN_DECLINED_FOR = 10 * Torrent.SECOND;

  /** How long no peer may deliver, while the origin seeder is connected, before HTTP helps. */
  private static final long ORIGIN_SEEDER_PATIENCE = 15 * Torrent.SECOND;

  private final Torrent t;

  OriginPolicy(Torrent t) {
    this.t = t;
  }

  /**
   * The pieces some other connected peer (not the origin seeder) has: the origin seeder is asked
   * first for the others, so that its bytes are the ones nobody else could send.
   */
  BitSet elsewhere() {
    BitSet out = new BitSet(t.pieceCount);
    for (Peer o : t.peers) {
      if (o.origin || !o.handshakeReceived) {
        continue;
      }
      if (o.hasAll) {
        out.set(0, t.pieceCount);
        return out;
      }
      out.or(o.has);
    }
    return out;
  }

  /**
   * Pieces a peer other than the origin seeder could be asked for right now: it has them, unchokes
   * us and has room in its pipeline. The origin is not asked for those (its bytes are the
   * publisher's): peers fast enough to keep up take them at their next top-up. Peers whose
   * pipelines are full are the slow ones, and what they cannot take goes to the origin.
   */
  BitSet peersHaveRoomFor() {
    BitSet out = new BitSet(t.pieceCount);
    for (Peer o : t.peers) {
      if (o.origin
          || !o.handshakeReceived
          || !o.amInterested
          || o.peerChoking
          || o.snubbed
          || o.requested.size() >= o.requestDepth) {
        continue;
      }
      if (o.hasAll) {
        out.set(0, t.pieceCount);
        return out;
      }
      out.or(o.has);
    }
    return out;
  }

  /** The origin seeder refused us {@code piece}: not asked for it again for a while. */
  void declined(int piece) {
    if (originDeclined.isEmpty()) {
      originDeclinedSince = System.nanoTime();
    }
    originDeclined.set(piece);
  }

  /** {@code skip} plus the pieces the origin seeder refused us lately. */
  BitSet withDeclined(BitSet skip) {
    if (!originDeclined.isEmpty()
        && System.nanoTime() - originDeclinedSince > ORIGIN_DECLINED_FOR) {
      originDeclined.clear();
    }
    skip.or(originDeclined);
    return skip;
  }

  /**
   * A piece nobody but the origin seeder has: the one at {@link OriginPolicy#originCursor} if it
   * still is, else a random one.
   */
  int pieceOnlyAtOrigin(Peer p, BitSet elsewhere) {
    int piece = originCursor;
    if (piece < 0 || !askableOfOrigin(p, elsewhere, piece)) {
      piece = randomAskableOfOrigin(p, elsewhere);
    }
    originCursor = piece < 0 ? -1 : (piece + 1) % t.pieceCount;
    return piece;
  }

  private boolean askableOfOrigin(Peer p, BitSet elsewhere, int piece) {
    return t.pieces.pieceState[piece] == PieceTable.NONE
        && p.hasPiece(piece)
        && !elsewhere.get(piece);
  }

  /**
   * A piece drawn at random among those the seeder may be asked for: a few random draws first,
   * since scanning forward from a random index lands on the first piece after another peer's
   * stretch, which is where that peer is asking the seeder right now.
   */
  private int randomAskableOfOrigin(Peer p, BitSet elsewhere) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int tries = 0; tries < 32; tries++) {
      int i = random.nextInt(t.pieceCount);
      if (askableOfOrigin(p, elsewhere, i)) {
        return i;
      }
    }
    int start = random.nextInt(t.pieceCount);
    for (int k = 0; k < t.pieceCount; k++) {
      int i = (start + k) % t.pieceCount;
      if (askableOfOrigin(p, elsewhere, i)) {
        return i;
      }
    }
    return -1;
  }

  /** Picks a piece for the origin: one no connected peer has, else a random missing one. */
  int pickForOrigin(boolean anyPiece) {
    int start = ThreadLocalRandom.current().nextInt(t.pieceCount);
    int fallback = -1;
    for (int k = 0; k < t.pieceCount; k++) {
      int i = (start + k) % t.pieceCount;
      if (t.pieces.pieceState[i] != PieceTable.NONE) {
        continue;
      }
      if (t.pieces.avail[i] + t.pieces.seedPeers == 0) {
        return claimForOrigin(i);
      }
      if (fallback < 0) {
        fallback = i;
      }
    }
    return anyPiece && fallback >= 0 ? claimForOrigin(fallback) : -1;
  }

  private int claimForOrigin(int i) {
    t.pieces.pieceState[i] = PieceTable.ORIGIN;
    return i;
  }

  boolean needsOrigin(long now) {
    if (!t.live() || t.isComplete() || t.webSeed == null) {
      return false;
    }
    if (originSeederConnected()) {
      // The seeder serves each player its fair share of the origin's budget; HTTP fetches whole
      // pieces outside that sharing (and, before the control plane put both under one budget,
      // bypassed the cap: 0.07-0.17 F at the start of a 20-player swarm). So while the seeder is
      // there only a long silence of every peer, or a download slow for just as long, calls it in.
      // The second rule bounds what a peer posing as the origin can hold back.
      boolean silent = now - t.lastUsefulPeerNanos > ORIGIN_SEEDER_PATIENCE;
      boolean slowForLong =
          now - t.startedNanos > ORIGIN_SEEDER_PATIENCE
              && now - t.lastFastNanos > ORIGIN_SEEDER_PATIENCE;
      return silent || slowForLong;
    }
    boolean starved = now - t.lastUsefulPeerNanos > t.engine.config.originFallbackAfter().toNanos();
    boolean slow =
        now - t.startedNanos > 5 * Torrent.SECOND
            && t.fromPeers.perSecond() < t.engine.config.originMinPeerRate();
    return starved || slow;
  }

  private boolean originSeederConnected() {
    for (Peer p : t.peers) {
      if (p.origin && p.handshakeReceived && !p.snubbed) {
        return true;
      }
    }
    return false;
  }
}
