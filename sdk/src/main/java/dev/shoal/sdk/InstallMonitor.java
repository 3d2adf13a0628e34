package dev.shoal.sdk;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Follows a client's unfinished installs: one {@code GET /v1/installs} every {@link #POLL} while
 * there is any, its snapshots dispatched to the handles by id. Polling rather than the event
 * stream: the agent refreshes both about once a second, a poll needs no long-lived connection (the
 * agent allows 16 streams), and an agent restart shows at the next poll, as an install it no longer
 * knows.
 */
final class InstallMonitor {
  static final Duration POLL = Duration.ofMillis(500);

  /** How long the agent may not answer before unfinished installs are reported lost. */
  static final Duration GIVE_UP = Duration.ofSeconds(30);

  private final ShoalClient client;
  private final Map<String, InstallHandle> active = new ConcurrentHashMap<>();
  private ScheduledExecutorService timer; // guarded by this
  private boolean scheduled; // guarded by this
  private boolean closed; // guarded by this
  private volatile long unreachableSince = -1;

  InstallMonitor(ShoalClient client) {
    this.client = client;
  }

  /** The one handle of this install (a new one if the client does not follow it yet). */
  InstallHandle handle(InstallProgress p) {
    InstallHandle h = active.computeIfAbsent(p.id(), id -> new InstallHandle(client, this, p));
    h.update(p);
    if (!p.isFinal()) {
      ensurePolling();
    }
    return h;
  }

  void forget(InstallHandle h) {
    active.remove(h.id(), h);
  }

  private synchronized void ensurePolling() {
    if (scheduled || closed) {
      return;
    }
    if (timer == null) {
      timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "shoal-sdk-installs");
                t.setDaemon(true);
                return t;
              });
    }
    scheduled = true;
    timer.schedule(this::tick, POLL.toMillis(), TimeUnit.MILLISECONDS);
  }

  private synchronized void scheduleNext() {
    if (closed || active.isEmpty()) {
      scheduled = false;
      return;
    }
    try {
      timer.schedule(this::tick, POLL.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      scheduled = false;
    }
  }

  private void tick() {
    if (active.isEmpty()) {
      scheduleNext();
      return;
    }
    client
        .installsAsync()
        .whenComplete(
            (list, err) -> {
              try {
                if (err != null) {
                  unreachable(ShoalClient.translate(err));
                } else {
                  dispatch(list);
                }
              } finally {
                scheduleNext();
              }
            });
  }

  private void dispatch(List<InstallProgress> list) {
    unreachableSince = -1;
    Map<String, InstallProgress> byId = new HashMap<>();
    for (InstallProgress p : list) {
      byId.put(p.id(), p);
    }
    for (InstallHandle h : List.copyOf(active.values())) {
      InstallProgress p = byId.get(h.id());
      if (p != null) {
        h.update(p);
      } else {
        // Trimmed from the list (many installs since), or the agent restarted without it.
        client
            .installAsync(h.id())
            .whenComplete(
                (one, err) -> {
                  if (one != null) {
                    h.update(one);
                    return;
                  }
                  ShoalException e = ShoalClient.translate(err);
                  if (e.code() == ErrorCode.NOT_FOUND) {
                    h.lost(
                        new ShoalException(
                            ErrorCode.AGENT_NOT_RUNNING,
                            "the agent restarted and no longer knows install "
                                + h.id()
                                + "; install again to resume (verified pieces are kept)",
                            true,
                            e));
                  }
                });
      }
    }
  }

  private void unreachable(ShoalException cause) {
    long now = System.nanoTime();
    long since = unreachableSince;
    if (since == -1) {
      unreachableSince = now;
      since = now;
    }
    boolean giveUp = now - since > GIVE_UP.toNanos();
    for (InstallHandle h : List.copyOf(active.values())) {
      if (giveUp) {
        h.lost(
            new ShoalException(
                ErrorCode.AGENT_NOT_RUNNING,
                "lost the Shoal agent for "
                    + GIVE_UP.toSeconds()
                    + " s while installing ("
                    + cause.getMessage()
                    + "); install again once it runs (verified pieces are kept)",
                true,
                cause));
      } else {
        h.unreachable(cause);
      }
    }
  }

  /** Stops following; waiting callers learn that the client was closed. */
  void close() {
    synchronized (this) {
      closed = true;
      if (timer != null) {
        timer.shutdownNow();
      }
    }
    for (InstallHandle h : List.copyOf(active.values())) {
      h.lost(
          new ShoalException(
              ErrorCode.AGENT_NOT_RUNNING,
              "the ShoalClient was closed; install "
                  + h.id()
                  + " goes on in the agent (attach to it from a new client)",
              true,
              null));
    }
  }
}
