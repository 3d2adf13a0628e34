package dev.shoal.swarm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Whom we upload to: the regular unchoke every 10 s (best uploaders to us, or best takers once
 * seeding; the publisher's origin seeder serves every interested player), the optimistic unchoke
 * every 30 s, and unchoke slots that grow while an upload cap is not reached. Engine thread only.
 */
final class Choker {
  private static final Logger LOG = Logger.getLogger(Torrent.class.getName());

  /** Unchoke slots added while the upload cap is not reached ({@link #adaptUploadSlots}). */
  private int extraUploadSlots;

  private static final int MAX_EXTRA_UPLOAD_SLOTS = 64;
  private long lastOptimisticNanos;

  private final Torrent t;

  Choker(Torrent t) {
    this.t = t;
  }

  /**
   * Whether {@code candidate}, newly interested, may be unchoked now: uploads on, and a LAN peer
   * (which takes no slot) or a free slot.
   */
  boolean canUnchoke(Peer candidate) {
    if (!t.engine.uploadEnabled()) {
      return false;
    }
    if (t.uploadUncapped(candidate)) {
      return true;
    }
    int unchoked = 0;
    for (Peer p : t.peers) {
      if (!p.amChoking && !p.optimistic && !t.uploadUncapped(p)) {
        unchoked++;
      }
    }
    return unchoked < uploadSlots();
  }

  int uploadSlots() {
    if (servesEveryPlayer()) {
      return Integer.MAX_VALUE;
    }
    return t.engine.config.uploadSlots() + extraUploadSlots;
  }

  /**
   * The publisher's origin seeder unchokes every player that wants data, and its one upload budget
   * is shared among them round robin (the engine's tick): each downloading player gets a fair
   * share, so none is ever slower than the origin alone would make it. With slots, the choked
   * players waited for other players' uploads while the seeder had budget to spare for them.
   */
  private boolean servesEveryPlayer() {
    return t.engine.config.isOrigin() && t.isComplete();
  }

  /**
   * Regular unchoke: best uploaders to us (or best downloaders from us once we seed).
   *
   * @param uploadBusy the share of the last interval's ticks that found the upload cap reached (for
   *     the whole engine, all torrents together); negative when no tick was measured
   */
  void rechoke(long now, double uploadBusy) {
    if (LOG.isLoggable(Level.FINE)) {
      LOG.fine(t.state());
    }
    t.picker.budgetExhausted = 0;
    if (!t.engine.uploadEnabled()) {
      t.peers.forEach(p -> p.choke(true));
      return;
    }
    adaptUploadSlots(uploadBusy);
    List<Peer> interested = new ArrayList<>();
    for (Peer p : t.peers) {
      if (p.peerInterested && p.handshakeReceived && t.uploadUncapped(p)) {
        // A LAN peer's traffic stays in the home: it takes no slot of the uplink's.
        p.setOptimistic(false);
        p.choke(false);
      } else if (p.peerInterested && p.handshakeReceived) {
        interested.add(p);
      } else {
        p.setOptimistic(false);
      }
    }
    interested.sort(unchokeOrder());
    int slots = uploadSlots();
    boolean newOptimistic = now - lastOptimisticNanos >= 30 * Torrent.SECOND;
    for (int i = 0; i < interested.size(); i++) {
      Peer p = interested.get(i);
      if (i < slots) {
        p.setOptimistic(false);
        p.choke(false);
      } else if (!p.optimistic || newOptimistic) {
        p.setOptimistic(false);
        p.choke(true);
      }
    }
    if (newOptimistic && interested.size() > slots) {
      lastOptimisticNanos = now;
      List<Peer> rest = interested.subList(slots, interested.size());
      Peer lucky = rest.get(ThreadLocalRandom.current().nextInt(rest.size()));
      lucky.setOptimistic(true);
      lucky.choke(false);
    }
    t.peers.forEach(t.engine::flushLater);
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
    if (t.isComplete() && t.engine.config.isOrigin()) {
      return Comparator.comparingLong((Peer p) -> p.up.total());
    }
    Comparator<Peer> byRate =
        t.isComplete()
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
    boolean capped = t.engine.upBucket.rate() > 0 || t.upBucket.rate() > 0;
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

  private int chokedInterestedPeers() {
    int n = 0;
    for (Peer p : t.peers) {
      if (p.peerInterested && p.amChoking && p.handshakeReceived) {
        n++;
      }
    }
    return n;
  }
}
