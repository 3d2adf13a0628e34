package dev.shoal.sdk;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One install or update running in the agent, from {@link ShoalClient#install(InstallRequest)}: its
 * progress (a snapshot at any time, events to listeners), its controls (pause, resume, cancel,
 * verify, repair) and its end ({@link #completion()}, {@link #await(Duration)}).
 *
 * <p>The SDK follows every unfinished install by asking the agent for its installs twice a second
 * (one request for all of them) until the install ends; listeners are told about changes only.
 * Thread-safe. A client has one handle per install id: asking for the same install again returns
 * the same handle.
 */
public final class InstallHandle {
  private final ShoalClient client;
  private final InstallMonitor monitor;
  private final String id;
  private final CompletableFuture<InstallProgress> end = new CompletableFuture<>();
  private final List<Slot> listeners = new CopyOnWriteArrayList<>();
  private volatile InstallProgress latest; // guarded by this for writes
  private boolean seen; // guarded by this: whether update() had the first snapshot too
  private boolean finished; // guarded by this
  private boolean disconnected; // guarded by this

  InstallHandle(ShoalClient client, InstallMonitor monitor, InstallProgress first) {
    this.client = client;
    this.monitor = monitor;
    this.id = first.id();
    this.latest = first;
  }

  /** The install's id in the agent (for {@link ShoalClient#attach(String)} after a restart). */
  public String id() {
    return id;
  }

  /** The latest snapshot the SDK has, at most about half a second old. Never blocks. */
  public InstallProgress progress() {
    return latest;
  }

  /** Whether the install has ended (completed, failed, cancelled, or lost with the agent). */
  public boolean isDone() {
    return end.isDone();
  }

  /** Asks the agent for a fresh snapshot now. */
  public InstallProgress refresh() {
    return ShoalClient.await(refreshAsync());
  }

  /** {@link #refresh()}, without blocking. */
  public CompletableFuture<InstallProgress> refreshAsync() {
    return control("GET", "");
  }

  /**
   * Pauses the download: the agent disconnects from peers and the origin and keeps the verified
   * pieces. An install that is preparing pauses at its next step. Returns the snapshot after the
   * request.
   */
  public InstallProgress pause() {
    return ShoalClient.await(pauseAsync());
  }

  /** {@link #pause()}, without blocking. */
  public CompletableFuture<InstallProgress> pauseAsync() {
    return control("POST", "/pause");
  }

  /** Resumes a paused install where it stopped. */
  public InstallProgress resume() {
    return ShoalClient.await(resumeAsync());
  }

  /** {@link #resume()}, without blocking. */
  public CompletableFuture<InstallProgress> resumeAsync() {
    return control("POST", "/resume");
  }

  /**
   * Cancels the install: the installed version (if any) stays as it was and the partial download is
   * deleted. Returns at once; the install reaches {@link InstallState#CANCELLED} shortly after
   * ({@link #await} then throws {@link ErrorCode#CANCELLED}).
   */
  public InstallProgress cancel() {
    return ShoalClient.await(cancelAsync());
  }

  /** {@link #cancel()}, without blocking. */
  public CompletableFuture<InstallProgress> cancelAsync() {
    return control("POST", "/cancel");
  }

  /**
   * Compares every installed file of this install's product/channel with the signed manifest of the
   * installed release (reads the whole game: may take a while for a large one).
   */
  public Verification verify() {
    return ShoalClient.await(verifyAsync());
  }

  /** {@link #verify()}, without blocking. */
  public CompletableFuture<Verification> verifyAsync() {
    return client.call("POST", path() + "/verify", Wire.object(), Wire::verification);
  }

  /**
   * Re-fetches only the chunks of the damaged or missing files of this product/channel, as a new
   * install with its own handle.
   */
  public InstallHandle repair() {
    return ShoalClient.await(repairAsync());
  }

  /** {@link #repair()}, without blocking. */
  public CompletableFuture<InstallHandle> repairAsync() {
    return client
        .call("POST", path() + "/repair", Wire.object(), Wire::install)
        .thenApply(monitor::handle);
  }

  /**
   * Completes with the final snapshot when the install has {@link InstallState#COMPLETED}, or
   * exceptionally with a {@link ShoalException}: the install's own error code ({@link
   * ErrorCode#DISK_FULL}, {@link ErrorCode#ENTITLEMENT}, {@link ErrorCode#SIGNATURE}...) when it
   * {@link InstallState#FAILED}, {@link ErrorCode#CANCELLED} when cancelled, {@link
   * ErrorCode#AGENT_NOT_RUNNING} (retryable) when the agent stopped or restarted meanwhile (install
   * again to resume: verified pieces are kept). Each call returns a new copy, so cancelling the
   * returned future affects nothing but that copy; dependent actions run on a shared pool thread.
   */
  public CompletableFuture<InstallProgress> completion() {
    return end.copy();
  }

  /**
   * Waits up to {@code timeout} for the end and returns the final snapshot of a completed install.
   *
   * @throws ShoalException as {@link #completion()} describes, when the install did not complete
   * @throws TimeoutException when it is still running after {@code timeout} (it goes on)
   * @throws InterruptedException when the waiting thread is interrupted (the install goes on)
   */
  public InstallProgress await(Duration timeout) throws TimeoutException, InterruptedException {
    long nanos;
    try {
      nanos = timeout.toNanos();
    } catch (ArithmeticException longerThan292Years) {
      nanos = Long.MAX_VALUE;
    }
    try {
      return end.get(nanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      ShoalException s = ShoalClient.translate(e);
      // A new exception, so that the stack trace shows the caller.
      throw new ShoalException(s.code(), s.getMessage(), s.retryable(), s);
    }
  }

  /** {@link #onProgress(InstallListener, Executor)} on the client's event thread. */
  public Subscription onProgress(InstallListener listener) {
    return onProgress(listener, client.defaultEventExecutor());
  }

  /**
   * Calls {@code listener} with the current snapshot at once, then with each changed snapshot until
   * the final one, on {@code executor} (e.g. the UI thread): one call at a time, in order, even on
   * a multi-threaded executor. A listener that throws is reported to the thread's uncaught
   * exception handler and stays subscribed. Closing the subscription stops the calls.
   */
  public Subscription onProgress(InstallListener listener, Executor executor) {
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(executor, "executor");
    Slot slot = new Slot(listener, executor);
    synchronized (this) {
      listeners.add(slot);
      InstallProgress now = latest;
      slot.enqueue(() -> listener.onProgress(now));
    }
    slot.schedule();
    return slot;
  }

  // ---------------------------------------------------------------- for the monitor

  private String path() {
    return "/v1/installs/" + ShoalClient.pathSegment(id);
  }

  private CompletableFuture<InstallProgress> control(String method, String action) {
    return client
        .call(method, path() + action, "POST".equals(method) ? Wire.object() : null, Wire::install)
        .thenApply(
            p -> {
              update(p);
              return p;
            });
  }

  /** A new snapshot from the agent; tells the listeners if it changed. */
  void update(InstallProgress p) {
    if (!id.equals(p.id())) {
      return;
    }
    synchronized (this) {
      disconnected = false;
      if (finished || (seen && p.equals(latest))) {
        return;
      }
      seen = true;
      latest = p;
      for (Slot s : listeners) {
        s.enqueue(() -> s.listener.onProgress(p));
      }
      finished = p.isFinal();
    }
    // Listeners run outside the lock: one on a same-thread executor may call this handle.
    listeners.forEach(Slot::schedule);
    if (!p.isFinal()) {
      return;
    }
    monitor.forget(this);
    if (p.state() == InstallState.COMPLETED) {
      end.completeAsync(() -> p);
    } else {
      ShoalException e =
          p.state() == InstallState.CANCELLED
              ? new ShoalException(
                  ErrorCode.CANCELLED,
                  "the install of " + p.product() + "/" + p.channel() + " was cancelled",
                  false,
                  null)
              : p.error() != null
                  ? p.error().toException()
                  : new ShoalException(
                      ErrorCode.INTERNAL, "the install failed without a reason", true, null);
      CompletableFuture.runAsync(() -> end.completeExceptionally(e));
    }
  }

  /** The agent does not answer (now); listeners hear it once per outage. */
  void unreachable(ShoalException cause) {
    synchronized (this) {
      if (finished || disconnected) {
        return;
      }
      disconnected = true;
      for (Slot s : listeners) {
        s.enqueue(() -> s.listener.onDisconnected(cause));
      }
    }
    listeners.forEach(Slot::schedule);
  }

  /** The install can no longer be followed (agent gone or restarted, client closed). */
  void lost(ShoalException cause) {
    synchronized (this) {
      if (finished) {
        return;
      }
      finished = true;
      for (Slot s : listeners) {
        s.enqueue(() -> s.listener.onDisconnected(cause));
      }
    }
    listeners.forEach(Slot::schedule);
    monitor.forget(this);
    CompletableFuture.runAsync(() -> end.completeExceptionally(cause));
  }

  /** One listener: calls run one at a time, in order, on its executor. */
  private final class Slot implements Subscription {
    final InstallListener listener;
    private final Executor executor;
    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile boolean closed;

    Slot(InstallListener listener, Executor executor) {
      this.listener = listener;
      this.executor = executor;
    }

    void enqueue(Runnable call) {
      if (!closed) {
        queue.add(call);
      }
    }

    void schedule() {
      if (!queue.isEmpty() && draining.compareAndSet(false, true)) {
        try {
          executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
          close();
        }
      }
    }

    private void drain() {
      try {
        Runnable r;
        while (!closed && (r = queue.poll()) != null) {
          try {
            r.run();
          } catch (RuntimeException e) {
            Thread t = Thread.currentThread();
            t.getUncaughtExceptionHandler().uncaughtException(t, e);
          }
        }
      } finally {
        draining.set(false);
      }
      if (!closed) {
        schedule(); // something was posted after the last poll
      }
    }

    @Override
    public void close() {
      closed = true;
      queue.clear();
      listeners.remove(this);
    }
  }

  @Override
  public String toString() {
    InstallProgress p = latest;
    return "InstallHandle[" + id + ", " + p.product() + "/" + p.channel() + ", " + p.state() + "]";
  }
}
