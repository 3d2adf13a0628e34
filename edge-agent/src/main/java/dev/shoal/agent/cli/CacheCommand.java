package dev.shoal.agent.cli;

import dev.shoal.agent.bandwidth.ByteUnits;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import tools.jackson.databind.JsonNode;

/** Lists the packs the agent keeps (and may share while you allow uploads). */
@Command(
    name = "cache",
    mixinStandardHelpOptions = true,
    description = "List the game update packs kept on this computer, and the cache limit.")
final class CacheCommand extends AgentCommand {

  @Override
  public Integer call() {
    JsonNode status = client().get("/v1/status");
    PrintWriter out = out();
    long total = 0;
    for (JsonNode item : status.path("cache")) {
      long bytes = item.path("bytes").asLong();
      total += bytes;
      // Pack files are named by their info hash; the label says which game and version it is.
      JsonNode label = item.path("label");
      out.printf(
          "%12s  %s%n",
          ByteUnits.format(bytes),
          label.isString() ? label.asString() : item.path("name").asString());
    }
    out.printf(
        "%12s  in all; limit %s (least recently used packs are removed first and stop being"
            + " shared)%n",
        ByteUnits.format(total), ByteUnits.format(status.path("cacheLimitBytes").asLong()));
    out.println(
        status.path("sharing").path("uploading").asBoolean()
            ? "These packs are shared with other players now."
            : "Nothing is shared now.");
    return 0;
  }
}
