package dev.shoal.testkit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wall time of {@code shoal-agent status} from the app image (deploy/agent/build-runtime.sh), with
 * no agent running and with one running, against {@code java -version} in the same run: on a loaded
 * machine the absolute figures mean little, the ratios much more. Runs are interleaved (version,
 * status without, status with) so that a change of load hits all three alike; the figures are
 * medians. Target (issue #24): status at most 0.5 s on a quiet machine in both cases.
 *
 * <p>Last line: {@code java_version_ms= status_no_agent_ms= status_agent_ms= ratio_no_agent=
 * ratio_agent= runs= load=}.
 */
@Tag("benchmark")
class CliLatencyBenchmark {
  static final Path LAUNCHER =
      Path.of("..", "edge-agent", "target", "dist", "shoal-agent", "bin", "shoal-agent")
          .toAbsolutePath()
          .normalize();
  static final int RUNS = Integer.getInteger("bench.cli.runs", 15);

  @TempDir Path temp;

  @Test
  void statusAnswersFastWithAndWithoutARunningAgent() throws Exception {
    assertThat(LAUNCHER)
        .as("the app image: run deploy/agent/build-runtime.sh first (run.sh does)")
        .isExecutable();
    Path idle = temp.resolve("no-agent");
    Path busy = temp.resolve("agent");
    Process agent =
        new ProcessBuilder(LAUNCHER.toString(), "--data-dir", busy.toString(), "run")
            .redirectErrorStream(true)
            .redirectOutput(temp.resolve("agent.log").toFile())
            .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.exists(busy.resolve("local-api.json"))) {
        assertThat(agent.isAlive()).as(Files.readString(temp.resolve("agent.log"))).isTrue();
        assertThat(System.nanoTime()).as("the agent started").isLessThan(deadline);
        Thread.sleep(100);
      }
      // Warm the page cache once, as a player's second command would find it.
      run(List.of("java", "-version"), 0);
      run(List.of(LAUNCHER.toString(), "--data-dir", idle.toString(), "status"), 3);
      run(List.of(LAUNCHER.toString(), "--data-dir", busy.toString(), "status"), 0);

      List<Long> version = new ArrayList<>();
      List<Long> none = new ArrayList<>();
      List<Long> running = new ArrayList<>();
      for (int i = 0; i < RUNS; i++) {
        version.add(run(List.of("java", "-version"), 0));
        none.add(run(List.of(LAUNCHER.toString(), "--data-dir", idle.toString(), "status"), 3));
        running.add(run(List.of(LAUNCHER.toString(), "--data-dir", busy.toString(), "status"), 0));
      }
      long v = median(version);
      long n = median(none);
      long r = median(running);
      System.out.printf(
          Locale.ROOT,
          "java -version %d ms, status without agent %d ms (%.1fx), with agent %d ms (%.1fx);"
              + " target <= 500 ms on a quiet machine%n",
          v,
          n,
          (double) n / v,
          r,
          (double) r / v);
      System.out.printf(
          Locale.ROOT,
          "java_version_ms=%d status_no_agent_ms=%d status_agent_ms=%d ratio_no_agent=%.2f"
              + " ratio_agent=%.2f runs=%d load=%s%n",
          v,
          n,
          r,
          (double) n / v,
          (double) r / v,
          RUNS,
          Bench.load());
    } finally {
      agent.destroy();
      if (!agent.waitFor(30, TimeUnit.SECONDS)) {
        agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Milliseconds of wall time of one command, which must exit with {@code expectedExit}. */
  private long run(List<String> command, int expectedExit)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    int exit = p.waitFor();
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(exit).as("%s", command).isEqualTo(expectedExit);
    return ms;
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
