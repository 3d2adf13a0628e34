package dev.shoal.agent.cli;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** What a launcher does when a game starts and stops. */
@Command(
    name = "quiet",
    mixinStandardHelpOptions = true,
    description = "Quiet mode on or off (no uploads, slow downloads while " + "a game runs).")
final class QuietCommand extends AgentCommand {

  @Parameters(index = "0", description = "on or off")
  String state;

  @Override
  public Integer call() {
    boolean on =
        switch (state.toLowerCase(java.util.Locale.ROOT)) {
          case "on" -> true;
          case "off" -> false;
          default ->
              throw new picocli.CommandLine.ParameterException(
                  spec.commandLine(), "quiet takes on or off, not " + state);
        };
    client().post("/v1/quiet-mode", Map.of("on", on));
    out().println("Quiet mode " + (on ? "on" : "off") + ".");
    return 0;
  }
}
