package dev.shoal.agent.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Pauses uploading without withdrawing consent (kept across restarts). */
@Command(name = "pause", description = "Pause sharing (uploads) until you resume.")
final class PauseCommand implements Callable<Integer> {
  @ParentCommand ShoalAgent root;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    root.client().post("/v1/sharing", Map.of("paused", true));
    spec.commandLine().getOut().println("Sharing paused. Resume with 'shoal-agent resume'.");
    return 0;
  }
}
