package dev.shoal.swarm;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Verification: hashes a complete piece on a worker (SHA-1, and SHA-256 when the manifest's hashes
 * are given), writes it, and back on the engine thread marks it had and announces it, or bans the
 * peers that sent bad data. Engine thread only, apart from the hashing.
 */
final class Verifier {
  private static final Logger LOG = Logger.getLogger(Torrent.class.getName());

  private final Map<Integer, PieceBuf> suspects = new HashMap<>();

  private final Torrent t;

  Verifier(Torrent t) {
    this.t = t;
  }

  void verify(PieceBuf buf, List<Peer> contributors) {
    verify(buf.index, buf.data, buf.size, contributors, buf);
  }

  void verify(int index, byte[] data, int size, List<Peer> contributors, PieceBuf buf) {
    byte[] sha1 = t.meta.pieceSha1(index);
    byte[] sha256 = t.job.pieceSha256() == null ? null : t.job.pieceSha256().get(index);
    long position = (long) index * t.meta.pieceLength();
    t.engine.workers.execute(
        () -> {
          boolean ok =
              matches("SHA-1", data, size, sha1)
                  && (sha256 == null || matches("SHA-256", data, size, sha256));
          IOException failure = null;
          if (ok) {
            try {
              t.storage.write(position, data, size);
            } catch (IOException e) {
              failure = e;
            }
          }
          boolean good = ok;
          IOException error = failure;
          t.engine.execute(() -> onVerified(index, good, error, contributors, buf));
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
    t.pieces.verifying--;
    if (t.state == Progress.State.CLOSED) {
      return;
    }
    if (error != null) {
      LOG.log(Level.WARNING, "cannot write piece " + index, error);
      t.pieces.pieceState[index] = PieceTable.NONE;
      return;
    }
    if (!ok) {
      t.pieces.pieceState[index] = PieceTable.NONE;
      punish(contributors, index, buf);
      return;
    }
    PieceBuf failed = suspects.remove(index);
    if (failed != null && buf != null) {
      banLiars(failed, buf);
    }
    t.pieces.recycle(buf);
    t.pieces.pieceState[index] = PieceTable.HAVE;
    t.pieces.have.set(index);
    t.pieces.verified++;
    t.pieces.bytesDone += t.meta.pieceSize(index);
    t.resumeDirty = true;
    for (Peer p : t.peers) {
      p.sendHave(index);
      t.engine.flushLater(p);
    }
    if (t.job.onPieceVerified() != null) {
      try {
        t.job.onPieceVerified().accept(index);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "piece listener failed", e);
      }
    }
    if (t.pieces.verified == t.pieceCount) {
      t.onComplete();
    }
  }

  /**
   * Bad data: a sole contributor is banned at once. When several peers shared the piece, the failed
   * copy is kept; once the piece verifies, the peers whose blocks differ from the good copy are
   * banned. The web seed is never banned (it is ours); its piece just goes back.
   */
  private void punish(List<Peer> contributors, int index, PieceBuf buf) {
    LOG.warning("piece " + index + " failed verification, from " + contributors);
    if (contributors.contains(null) && t.webSeed != null) {
      t.webSeed.backOff(); // the origin served bad data: do not hammer it
    }
    if (contributors.size() == 1 && contributors.get(0) != null) {
      t.engine.ban(contributors.get(0), "sent bad data for piece " + index);
    } else if (buf != null && suspects.size() < Math.max(2, (8 << 20) / t.meta.pieceLength())) {
      suspects.put(index, buf);
    }
  }

  private void banLiars(PieceBuf failed, PieceBuf good) {
    for (int b = 0; b < failed.blocks(); b++) {
      Peer p = failed.blockFrom[b];
      int off = b * Wire.BLOCK;
      int len = failed.blockLength(b);
      if (p != null && !Arrays.equals(failed.data, off, off + len, good.data, off, off + len)) {
        t.engine.ban(p, "sent bad block " + b + " of piece " + failed.index);
      }
    }
  }
}
