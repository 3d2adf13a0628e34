package dev.shoal.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/** An installed shoal-agent for the SDK's tests: a script running the agent's main class. */
final class AgentStandIn {
  private AgentStandIn() {}

  /** Writes {@code bin/shoal-agent}; returns it. */
  static Path install(Path bin) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path exe = Files.createDirectories(bin).resolve("shoal-agent");
    Files.writeString(
        exe,
        "#!/bin/sh\nexec '"
            + java
            + "' -Xmx64m -cp '"
            + System.getProperty("java.class.path")
            + "' dev.shoal.agent.cli.ShoalAgent \"$@\"\n");
    assertThat(exe.toFile().setExecutable(true)).isTrue();
    return exe;
  }

  /** The agent running on {@code dataDir}, from the pid its local-api.json names. */
  static Optional<ProcessHandle> running(Path dataDir) {
    try {
      long pid =
          JsonMapper.builder()
              .build()
              .readTree(Files.readString(dataDir.resolve("local-api.json")))
              .get("pid")
              .asLong();
      return ProcessHandle.of(pid);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
