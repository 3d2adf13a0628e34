package dev.shoal.agent.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** Lifts a pause; other reasons (no consent, battery, hours...) still apply and are shown. */
@Command(name = "resume", description = "Resume sharing after a pause.")
final class ResumeCommand implements Callable<Integer> {
  @ParentCommand ShoalAgent root;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    JsonNode status = root.client().post("/v1/sharing", Map.of("paused", false));
    JsonNode sharing = status.path("sharing");
    var out = spec.commandLine().getOut();
    if (sharing.path("uploading").asBoolean()) {
      out.println("Sharing resumed.");
    } else {
      out.println(
          "Pause lifted, but sharing is still off because "
              + String.join(
                  "; ",
                  sharing.path("uploadOffReasons").valueStream().map(JsonNode::asString).toList())
              + ".");
    }
    return 0;
  }
}
