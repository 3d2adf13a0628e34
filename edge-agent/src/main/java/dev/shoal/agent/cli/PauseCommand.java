package dev.shoal.agent.cli;

import java.util.Map;
import picocli.CommandLine.Command;

/** Pauses uploading without withdrawing consent (kept across restarts). */
@Command(
    name = "pause",
    mixinStandardHelpOptions = true,
    description = "Pause sharing (uploads) until you resume.")
final class PauseCommand extends AgentCommand {

  @Override
  public Integer call() {
    client().post("/v1/sharing", Map.of("paused", true));
    out().println("Sharing paused. Resume with 'shoal-agent resume'.");
    return 0;
  }
}
