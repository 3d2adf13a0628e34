package dev.shoal.swarm;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Whom one torrent dials, and when: the direct peers it was given, the tracker's peers, and peers
 * that dialled us and told us where they listen (so that a seed can dial back a leecher that
 * dropped it: libtorrent drops an "uninteresting upload-only peer" and redials only after 60 s).
 * Downloading, it dials all of them; complete, it dials every one not known to be a seed (seeds
 * have nothing to take from it). A peer that drops us, or refuses us, is dialled again after 1 s,
 * then 2 s, 4 s ... up to {@link #DIRECT_MAX_DELAY} for direct peers and {@link #MAX_DELAY} for the
 * others; a connection that lasted {@link #STABLE} starts the sequence over. Pure bookkeeping on
 * the engine thread: the clock is passed in.
 */
final class Dialler {
  private static final long SECOND = 1_000_000_000L;

  /** The first redial: a peer that dropped us while it lacked pieces is back within seconds. */
  static final long FIRST_DELAY = SECOND;

  static final long DIRECT_MAX_DELAY = 2 * SECOND;
  static final long MAX_DELAY = 30 * SECOND;

  /** A connection that lasted this long was not a refusal: the next drop starts back at 1 s. */
  static final long STABLE = 10 * SECOND;

  /**
   * Failures in a row after which a peer learned only from its own connection is forgotten: it has
   * gone for good, and the tracker lists it again if it comes back.
   */
  static final int LEARNED_MAX_FAILURES = 6;

  /** Dials started per call of {@link #dialDue}: a long tracker list does not open all at once. */
  static final int MAX_DIALS_PER_TICK = 8;

  /** Where an address came from. */
  enum Source {
    DIRECT,
    TRACKER,
    LEARNED
  }

  /** One address we may dial. */
  static final class Candidate {
    final Source source;
    int failures;
    long nextAttemptNanos;

    /** Dialling or connected: not dialled again until the connection ends. */
    boolean busy;

    /** Its last connection showed every piece: not dialled while we are complete too. */
    boolean seed;

    Candidate(Source source) {
      this.source = source;
    }

    long delay() {
      long max = source == Source.DIRECT ? DIRECT_MAX_DELAY : MAX_DELAY;
      return Math.min(max, FIRST_DELAY << Math.min(Math.max(failures - 1, 0), 5));
    }
  }

  private final Map<InetSocketAddress, Candidate> candidates = new LinkedHashMap<>();

  void addDirect(List<InetSocketAddress> direct) {
    for (InetSocketAddress a : direct) {
      candidates.put(a, new Candidate(Source.DIRECT));
    }
  }

  /** Fresh tracker peers are dialled at once, and a listed peer we failed is tried again soon. */
  void addFromTracker(List<InetSocketAddress> listed) {
    for (InetSocketAddress a : listed) {
      Candidate c = candidates.get(a);
      if (c == null || c.source == Source.LEARNED) {
        Candidate fresh = new Candidate(Source.TRACKER);
        if (c != null) {
          fresh.busy = c.busy;
          fresh.seed = c.seed;
        }
        candidates.put(a, fresh);
      } else if (!c.busy) {
        c.nextAttemptNanos = 0;
        c.failures = Math.min(c.failures, 1);
      }
    }
  }

  /**
   * Dials, through {@code dial}, the candidates whose time has come, at most {@link
   * #MAX_DIALS_PER_TICK}. {@code reached}: where connected peers listen (a peer that dialled us is
   * not dialled back); {@code canConnect}: the engine's limits (connections, bans, ourselves).
   */
  void dialDue(
      long now,
      boolean weAreComplete,
      Set<InetSocketAddress> reached,
      Predicate<InetSocketAddress> canConnect,
      Consumer<InetSocketAddress> dial) {
    int dials = 0;
    for (Map.Entry<InetSocketAddress, Candidate> e : new ArrayList<>(candidates.entrySet())) {
      Candidate c = e.getValue();
      if (dials >= MAX_DIALS_PER_TICK) {
        return;
      }
      if (c.busy
          || c.nextAttemptNanos > now
          || (weAreComplete && c.seed)
          || reached.contains(e.getKey())
          || !canConnect.test(e.getKey())) {
        continue;
      }
      c.busy = true;
      dials++;
      dial.accept(e.getKey()); // may call failed() at once
    }
  }

  /**
   * The connection to a peer listening at {@code a} ended after {@code lastedNanos}. A peer we did
   * not know yet (it dialled us) is remembered, so that we can dial it back, unless it is a seed:
   * an origin seeder would otherwise keep every player that ever finished.
   */
  void disconnected(InetSocketAddress a, long now, long lastedNanos, boolean seed) {
    Candidate c = candidates.get(a);
    if (c == null && seed) {
      return;
    }
    if (c == null) {
      c = new Candidate(Source.LEARNED);
      candidates.put(a, c);
    }
    c.busy = false;
    c.seed = seed;
    c.failures = lastedNanos >= STABLE ? 1 : c.failures + 1;
    c.nextAttemptNanos = now + c.delay();
  }

  /** Dialling {@code a} failed: refused, timed out, or closed before the handshake. */
  void failed(InetSocketAddress a, long now) {
    Candidate c = candidates.get(a);
    if (c == null) {
      return;
    }
    c.busy = false;
    c.failures++;
    c.nextAttemptNanos = now + c.delay();
    if (c.source == Source.LEARNED && c.failures >= LEARNED_MAX_FAILURES) {
      candidates.remove(a);
    }
  }

  /** Resumed after a pause: everyone may be dialled at once. */
  void retryAllNow() {
    for (Candidate c : candidates.values()) {
      c.nextAttemptNanos = 0;
    }
  }

  Candidate candidate(InetSocketAddress a) {
    return candidates.get(a);
  }
}
