package dev.shoal.testkit.lab;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Stopping the processes the lab started: politely, then for sure, each bounded in time. */
final class Processes {
  private Processes() {}

  static void stop(Process p, Duration grace) {
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Kills a process by id (one found inside a namespace of this lab). */
  static void kill(long pid) {
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
  }
}
