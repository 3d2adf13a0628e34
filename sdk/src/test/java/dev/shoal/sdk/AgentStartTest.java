package dev.shoal.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Find the running agent, or start it if it is installed but not running": a real agent process,
 * started by {@link ShoalClient#start} through an installed {@code shoal-agent} launcher (here a
 * script running the agent's main class from the test class path).
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class AgentStartTest {
  @TempDir Path temp;

  /** The session id of a process (Linux), from /proc/<pid>/stat. */
  private static Optional<Long> session(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Optional.of(Long.parseLong(fields[3]));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  @Test
  void startsTheInstalledAgentDetachedThenFindsItRunning() throws Exception {
    Path exe = AgentStandIn.install(temp.resolve("opt/shoal-agent/bin"));
    Path data = temp.resolve("data");
    assertThat(ShoalClientTest.failure(() -> ShoalClient.connect(data)).code())
        .isEqualTo(ErrorCode.AGENT_NOT_INSTALLED);

    ProcessHandle started = null;
    try {
      String device;
      try (ShoalClient shoal = ShoalClient.start(exe, data, Duration.ofSeconds(90))) {
        started = AgentStandIn.running(data).orElseThrow();
        device = shoal.status().deviceId();
        assertThat(device).startsWith("d-");
        assertThat(started.isAlive()).isTrue();
        assertThat(started.pid()).isNotEqualTo(ProcessHandle.current().pid());
        // Detached: a session of its own, so a Ctrl+C in the launcher's terminal spares it.
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
          assertThat(session(started.pid())).contains(started.pid());
          assertThat(session(started.pid())).isNotEqualTo(session(ProcessHandle.current().pid()));
        }
      }
      // Running: found, not started again (the executable does not matter then).
      try (ShoalClient again =
          ShoalClient.start(temp.resolve("not-there"), data, Duration.ofSeconds(5))) {
        assertThat(again.status().deviceId()).isEqualTo(device);
        assertThat(AgentStandIn.running(data)).map(ProcessHandle::pid).contains(started.pid());
      }
    } finally {
      ProcessHandle p = started != null ? started : AgentStandIn.running(data).orElse(null);
      if (p != null) {
        p.destroy(); // SIGTERM: the agent's shutdown hook stops it cleanly
        ProcessHandle exited =
            p.onExit().toCompletableFuture().completeOnTimeout(null, 30, TimeUnit.SECONDS).get();
        if (exited == null) {
          p.destroyForcibly();
        }
      }
    }
    // A clean stop removed local-api.json: installed (data directory) but not running.
    ShoalException stopped = ShoalClientTest.failure(() -> ShoalClient.connect(data));
    assertThat(stopped.code()).isEqualTo(ErrorCode.AGENT_NOT_RUNNING);
    assertThat(stopped.retryable()).isTrue();
    // Not running and no launcher where the launcher looks: not installed, with a clear message.
    ShoalException missing =
        ShoalClientTest.failure(
            () ->
                ShoalClient.start(
                    temp.resolve("nowhere/shoal-agent"), data, Duration.ofSeconds(5)));
    assertThat(missing.code()).isEqualTo(ErrorCode.AGENT_NOT_INSTALLED);
    assertThat(missing.retryable()).isFalse();
    assertThat(missing.getMessage()).contains("not running").contains("nowhere/shoal-agent");
  }
}
