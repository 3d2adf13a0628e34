package dev.shoal.agent.threads;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for the agent's executors. Daemon threads: none of them may keep the JVM alive
 * after the agent is closed (closing is what flushes state; a stuck worker must not hang the exit).
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** Every thread gets the same name: for single-thread executors. */
  public static ThreadFactory named(String name) {
    return r -> daemon(r, name);
  }

  /** Threads are named {@code prefix-1}, {@code prefix-2}, ...: for pools. */
  public static ThreadFactory numbered(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> daemon(r, prefix + "-" + n.incrementAndGet());
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
