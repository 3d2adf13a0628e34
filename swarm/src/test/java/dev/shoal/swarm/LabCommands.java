package dev.shoal.swarm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the swarm's namespace tests (HolePunchLabTest, UtpInteropLabTest) and the probes they start
 * in their namespaces share: bounded commands and a deadline for a child JVM.
 */
final class LabCommands {
  private LabCommands() {}

  /** The command's output, or why there is none; never waits longer than {@code seconds}. */
  static String run(int seconds, String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "timed out";
      }
      return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /**
   * Deletes these namespaces (their veths go with them). Called from the test's {@code @AfterAll}
   * and from {@code shutdownHook}, the same cleanup registered for an interrupted run, which is
   * unregistered here unless it is the one running.
   */
  static void deleteNamespaces(List<String> namespaces, Thread shutdownHook) {
    for (String ns : namespaces) {
      run(5, "ip", "netns", "del", ns);
    }
    if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // shutting down already
      }
    }
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "?";
    }
  }

  /**
   * Ends this JVM after {@code millis} whatever happens: a probe in a namespace stays bounded even
   * if the test that started it dies.
   */
  static void haltAfter(long millis) {
    Thread limit =
        new Thread(
            () -> {
              try {
                Thread.sleep(millis);
              } catch (InterruptedException e) {
                return;
              }
              Runtime.getRuntime().halt(3);
            });
    limit.setDaemon(true);
    limit.start();
  }
}
