package dev.shoal.agent.localapi;

import java.util.LinkedHashSet;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;

/**
 * Runs each exchange of the local API on a thread of its own, so slow callers cannot starve a
 * launcher.
 *
 * <p>The JDK's server reads a request's line and headers on the executor's thread, with blocking
 * reads. With a fixed pool, a few local processes that send half a request hold every worker until
 * the request time limit ends, and can do it again at once. Here a half-sent request holds only its
 * own thread; when {@code limit} threads are busy, the exchange that has waited longest for its
 * headers is interrupted, which closes its connection, to make room for the newcomer. A launcher
 * sends its request in one write, so its headers are read before it can become the oldest.
 * Exchanges whose headers are in (see {@link #headersRead()}) are never interrupted: they passed
 * the host check and are answered at once, or hold the token (event streams).
 */
final class ExchangeThreads implements Executor {
  private final int limit;
  private final ThreadFactory threads;

  /** Exchanges still reading their headers, oldest first. */
  private final LinkedHashSet<Exchange> reading = new LinkedHashSet<>();

  private final ThreadLocal<Exchange> current = new ThreadLocal<>();
  private int running;
  private boolean closed;

  ExchangeThreads(int limit, ThreadFactory threads) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1");
    }
    this.limit = limit;
    this.threads = threads;
  }

  @Override
  public void execute(Runnable exchange) {
    Exchange e = new Exchange(exchange);
    synchronized (this) {
      if (closed) {
        throw new RejectedExecutionException("the local API is closed");
      }
      if (running >= limit) {
        interruptOldestReader();
      }
      running++;
      reading.add(e);
    }
    threads.newThread(e).start();
  }

  /** Called on an exchange's thread once its request line and headers are in. */
  void headersRead() {
    Exchange e = current.get();
    if (e != null) {
      synchronized (this) {
        reading.remove(e);
      }
    }
  }

  /** Interrupts every exchange still reading; later ones are refused. */
  synchronized void close() {
    closed = true;
    for (Exchange e : reading) {
      e.interrupt();
    }
  }

  private void interruptOldestReader() {
    for (Exchange e : reading) {
      if (e.interrupt()) {
        reading.remove(e);
        return;
      }
    }
  }

  private synchronized void finished(Exchange e) {
    reading.remove(e);
    running--;
  }

  private final class Exchange implements Runnable {
    private final Runnable work;
    private Thread thread;

    Exchange(Runnable work) {
      this.work = work;
    }

    @Override
    public void run() {
      synchronized (ExchangeThreads.this) {
        thread = Thread.currentThread();
      }
      current.set(this);
      try {
        work.run();
      } finally {
        current.remove();
        finished(this);
      }
    }

    /** Interrupting a blocking socket read closes the channel; the JDK then drops the exchange. */
    boolean interrupt() {
      if (thread == null) {
        return false; // not started yet: it is the newest, not the one to drop
      }
      thread.interrupt();
      return true;
    }
  }
}
