package dev.shoal.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stop}, {@code uninstall} of a running agent, and {@code --help} on every command: against
 * an agent in its own process, since stopping signals that process.
 */
class StopCommandTest {

  record Result(int exit, String out, String err) {}

  @TempDir Path home;
  Process agent;

  @AfterEach
  void killLeftovers() throws InterruptedException {
    if (agent != null && agent.isAlive()) {
      agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  Path dataDir() {
    return home.resolve("shoal");
  }

  Result cli(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] full = new String[args.length + 2];
    full[0] = "--data-dir";
    full[1] = dataDir().toString();
    System.arraycopy(args, 0, full, 2, args.length);
    int exit =
        ShoalAgent.execute(
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            full);
    return new Result(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** {@code shoal-agent run} in a child JVM, as a player or a service manager starts it. */
  void startAgent() throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    agent =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    ShoalAgent.class.getName(),
                    "--data-dir",
                    dataDir().toString(),
                    "run"))
            .redirectErrorStream(true)
            .redirectOutput(home.resolve("agent.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(dataDir().resolve("local-api.json"))) {
      assertThat(agent.isAlive()).as(Files.readString(home.resolve("agent.log"))).isTrue();
      assertThat(System.nanoTime()).as("agent started within 60 s").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @Test
  void stopEndsTheRunningAgentCleanly() throws Exception {
    startAgent();
    assertThat(cli("", "status").exit()).isZero();

    Result stopped = cli("", "stop");

    assertThat(stopped.exit()).as(stopped.err()).isZero();
    assertThat(stopped.out()).contains("The Shoal agent stopped.");
    assertThat(agent.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(dataDir().resolve("local-api.json")).doesNotExist();
    assertThat(cli("", "status").exit()).isEqualTo(CliException.NOT_RUNNING);
    // Stopping a stopped agent is not an error: scripts can call it unconditionally.
    Result again = cli("", "stop");
    assertThat(again.exit()).isZero();
    assertThat(again.out()).contains("not running");
  }

  @Test
  void uninstallStopsTheRunningAgentFirst() throws Exception {
    startAgent();

    Result r = cli("yes\n", "uninstall");

    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("This stops the running agent and removes")
        .contains("The Shoal agent stopped.")
        .contains("Shoal is uninstalled");
    assertThat(agent.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(dataDir()).doesNotExist();
  }

  @Test
  void everyCommandAnswersHelp() {
    for (List<String> command :
        List.of(
            List.of("status"),
            List.of("uninstall"),
            List.of("stop"),
            List.of("run"),
            List.of("install"),
            List.of("consent", "grant"),
            List.of("limits", "set"),
            List.of("cache"))) {
      String[] args = new java.util.ArrayList<>(command).toArray(String[]::new);
      String[] withHelp = java.util.Arrays.copyOf(args, args.length + 1);
      withHelp[args.length] = "--help";
      Result r = cli("", withHelp);
      assertThat(r.exit()).as("%s --help: %s", command, r.err()).isZero();
      assertThat(r.out()).as("%s --help", command).contains("Usage: shoal-agent " + command.get(0));
    }
  }
}
