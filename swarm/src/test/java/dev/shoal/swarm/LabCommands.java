package dev.shoal.swarm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
   * The shell commands (joined by {@code &&}) that make namespaces {@code a} and {@code b}, joined
   * by a veth pair {@code vethA}–{@code vethB} with addresses {@code ipA} and {@code ipB} (/24),
   * everything up.
   */
  static String vethPair(String a, String b, String vethA, String vethB, String ipA, String ipB) {
    return String.join(
        " && ",
        "ip netns add " + a,
        "ip netns add " + b,
        "ip link add " + vethA + " type veth peer name " + vethB,
        "ip link set " + vethA + " netns " + a,
        "ip link set " + vethB + " netns " + b,
        "ip -n " + a + " addr add " + ipA + "/24 dev " + vethA,
        "ip -n " + b + " addr add " + ipB + "/24 dev " + vethB,
        "ip -n " + a + " link set lo up",
        "ip -n " + b + " link set lo up",
        "ip -n " + a + " link set " + vethA + " up",
        "ip -n " + b + " link set " + vethB + " up");
  }

  /**
   * The command that runs {@code main} in a JVM of its own inside namespace {@code ns}, with this
   * JVM's class path, {@code jvmOptions} and {@code args}.
   */
  static List<String> javaIn(String ns, List<String> jvmOptions, Class<?> main, String... args) {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    cmd.addAll(List.of(args));
    return cmd;
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
