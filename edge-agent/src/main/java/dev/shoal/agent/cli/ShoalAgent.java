package dev.shoal.agent.cli;

import dev.shoal.agent.AgentConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shoal-agent}: runs the agent and controls a running one. Exit codes: 0 ok, 1 other error,
 * 2 usage, 3 agent not running, 4 refused by the agent, 5 an install failed.
 */
@Command(
    name = "shoal-agent",
    mixinStandardHelpOptions = true,
    version = "shoal-agent 0.1.0",
    description = "Shoal shares game updates between players of the same game, only if you agree.",
    subcommands = {
      RunCommand.class,
      StatusCommand.class,
      ConsentCommand.class,
      LimitsCommand.class,
      PauseCommand.class,
      ResumeCommand.class,
      QuietCommand.class,
      EnrolCommand.class,
      InstallCommand.class,
      CacheCommand.class,
      StopCommand.class,
      UninstallCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:ok",
      "1:other error",
      "2:usage error",
      "3:the agent is not running",
      "4:the agent refused the request",
      "5:the install failed (the agent's error code is printed)"
    })
public final class ShoalAgent implements Runnable {
  @Option(
      names = "--data-dir",
      description = "Agent data directory (default: ${DEFAULT-VALUE}).",
      scope = CommandLine.ScopeType.INHERIT)
  Path dataDir = AgentConfig.defaultDataDir();

  private BufferedReader in;

  public static void main(String[] args) {
    System.exit(execute(System.in, System.out, System.err, args));
  }

  /** Runs one command line in-process and returns its exit code (used by tests and launchers). */
  public static int execute(InputStream in, PrintStream out, PrintStream err, String... args) {
    ShoalAgent root = new ShoalAgent();
    root.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    CommandLine cl = new CommandLine(root);
    cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cl.setExecutionExceptionHandler(ShoalAgent::handleFailure);
    return cl.execute(args);
  }

  private static int handleFailure(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    if (e instanceof CliException c) {
      cl.getErr().println("shoal-agent: " + c.getMessage());
      return c.exitCode;
    }
    if (e instanceof IllegalArgumentException) {
      cl.getErr().println("shoal-agent: " + e.getMessage());
      return CommandLine.ExitCode.USAGE;
    }
    cl.getErr().println("shoal-agent: " + e);
    return CliException.OTHER;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        new CommandLine(this), "choose a command; see shoal-agent --help");
  }

  Path localApiFile() {
    return dataDir.resolve("local-api.json");
  }

  LocalApiClient client() {
    return LocalApiClient.connect(localApiFile());
  }

  BufferedReader in() {
    return in;
  }
}
