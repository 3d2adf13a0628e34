package dev.shoal.sdk;

import dev.shoal.agent.Agent;
import dev.shoal.agent.AgentConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A real agent in-process on a temp data dir and a random loopback port (like RunningAgent). */
final class LocalAgent implements AutoCloseable {
  final Path dataDir;
  final Agent agent;

  LocalAgent(Path dataDir) throws IOException {
    this.dataDir = dataDir;
    Path noPower = dataDir.resolveSibling(dataDir.getFileName() + "-no-power-supply");
    Files.createDirectories(noPower);
    this.agent =
        Agent.start(
            AgentConfig.builder()
                .dataDir(dataDir)
                .powerSupplyRoot(noPower)
                .portMapping(AgentConfig.PortMapping.OFF) // never the machine's real router
                .build());
  }

  int port() {
    return agent.localApiPort();
  }

  @Override
  public void close() {
    agent.close();
  }
}
