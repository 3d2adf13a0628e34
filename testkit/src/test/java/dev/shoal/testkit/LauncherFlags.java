package dev.shoal.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM flags the agent's launcher is built with, read from deploy/agent/build-runtime.sh's
 * {@code --java-options '...'}: benchmarks that start agents as plain {@code java} processes use
 * exactly what players' machines run, and cannot drift from it.
 */
public final class LauncherFlags {
  private static final Pattern OPTION = Pattern.compile("--java-options '([^']+)'");

  private LauncherFlags() {}

  public static List<String> read() {
    Path script = Path.of("..", "deploy", "agent", "build-runtime.sh");
    try {
      Matcher m = OPTION.matcher(Files.readString(script));
      List<String> flags = new ArrayList<>();
      while (m.find()) {
        flags.add(m.group(1));
      }
      if (flags.isEmpty()) {
        throw new IllegalStateException("no --java-options in " + script.toAbsolutePath());
      }
      return List.copyOf(flags);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code java <jvmFlags> -cp <this JVM's class path> dev.shoal.agent.cli.ShoalAgent}: the agent
   * as a process of its own; add its arguments.
   */
  public static List<String> agentCommand(List<String> jvmFlags) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("dev.shoal.agent.cli.ShoalAgent");
    return command;
  }

  /**
   * {@code --data-dir <data> run --port-mapping=off}: an agent run by a test or benchmark outside
   * the namespace lab must not ask the machine's real router to open a port.
   */
  public static List<String> runArguments(Path data) {
    return List.of("--data-dir", data.toString(), "run", "--port-mapping=off");
  }
}
