package dev.shoal.agent.cli;

import java.util.Map;
import picocli.CommandLine.Command;
import tools.jackson.databind.JsonNode;

/** Lifts a pause; other reasons (no consent, battery, hours...) still apply and are shown. */
@Command(
    name = "resume",
    mixinStandardHelpOptions = true,
    description = "Resume sharing after a pause.")
final class ResumeCommand extends AgentCommand {

  @Override
  public Integer call() {
    JsonNode status = client().post("/v1/sharing", Map.of("paused", false));
    JsonNode sharing = status.path("sharing");
    var out = out();
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
