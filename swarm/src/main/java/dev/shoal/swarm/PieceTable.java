package dev.shoal.swarm;

import java.util.BitSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The piece table of one torrent: each piece's state (none, active, verifying, have, at the
 * origin), how many connected non-seed peers have it (seeds are counted once), the pieces being
 * assembled in memory and their recycled arrays. Engine thread only.
 */
final class PieceTable {
  static final byte NONE = 0;
  private static final byte ACTIVE = 1;
  static final byte VERIFYING = 2;
  static final byte HAVE = 3;
  static final byte ORIGIN = 4;

  final byte[] pieceState;
  final int[] avail;
  int seedPeers;
  final BitSet have = new BitSet();
  final Map<Integer, PieceBuf> active = new LinkedHashMap<>();
  final int maxPiecesInMemory;
  final java.util.ArrayDeque<byte[]> spare = new java.util.ArrayDeque<>();
  int verifying;

  int verified;

  long bytesDone;

  private final Torrent t;

  PieceTable(Torrent t) {
    this.t = t;
    this.pieceState = new byte[t.pieceCount];
    this.avail = new int[t.pieceCount];
    // 16 MiB of piece buffers (in flight + waiting for the hasher + spare), at least 4 pieces:
    // ~80 ms of data at 200 MB/s, enough to keep the pipe full while bounding the heap.
    this.maxPiecesInMemory = Math.max(4, (16 << 20) / t.meta.pieceLength());
  }

  // ---- availability: how many connected peers have each piece; seeds are counted once ----

  /** {@code p} announced {@code index} (HAVE). */
  void peerHas(Peer p, int index) {
    p.has.set(index);
    avail[index]++;
  }

  /** {@code p}'s pieces are {@code bits} (BITFIELD), replacing what it had. */
  void peerHas(Peer p, BitSet bits) {
    uncount(p);
    p.setPieces(bits);
    for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
      avail[i]++;
    }
  }

  /** {@code p} has everything: counted once as a seed instead of in every slot. */
  void peerIsSeed(Peer p) {
    uncount(p);
    p.becomeSeed();
    seedPeers++;
  }

  /**
   * {@code p} does not have {@code piece} after all (it refused it): a "seed" is one no more, its
   * pieces counted one by one again, without that one.
   */
  void peerLacks(Peer p, int piece) {
    if (p.hasAll) {
      seedPeers--;
      BitSet all = new BitSet(t.pieceCount);
      all.set(0, t.pieceCount);
      p.setPieces(all);
      for (int i = 0; i < t.pieceCount; i++) {
        avail[i]++;
      }
    }
    if (p.has.get(piece)) {
      p.has.clear(piece);
      avail[piece]--;
    }
  }

  /** {@code p} disconnected. */
  void peerGone(Peer p) {
    uncount(p);
  }

  private void uncount(Peer p) {
    if (p.hasAll) {
      seedPeers--;
      return;
    }
    for (int i = p.has.nextSetBit(0); i >= 0; i = p.has.nextSetBit(i + 1)) {
      avail[i]--;
    }
  }

  long startPiece(int piece) {
    int size = t.meta.pieceSize(piece);
    byte[] data = size == t.meta.pieceLength() && !spare.isEmpty() ? spare.pop() : new byte[size];
    PieceBuf buf = new PieceBuf(piece, size, data);
    active.put(piece, buf);
    pieceState[piece] = ACTIVE;
    return (long) piece << 32 | (long) buf.claimFree() * Wire.BLOCK;
  }

  void release(int piece, int begin) {
    PieceBuf buf = active.get(piece);
    if (buf != null) {
      buf.release(begin / Wire.BLOCK);
    }
  }

  /** Piece arrays are reused: at 150+ MB/s fresh 256 KiB arrays would keep the GC busy. */
  void recycle(PieceBuf buf) {
    if (buf != null
        && buf.data.length == t.meta.pieceLength()
        && spare.size() + active.size() + verifying < maxPiecesInMemory) {
      spare.push(buf.data);
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
  void dropUntouchedPieces() {
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
}
