package dev.shoal.agent.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** Lists the packs the agent keeps (and may share while you allow uploads). */
@Command(
    name = "cache",
    description = "List the game update packs kept on this computer, and the cache limit.")
final class CacheCommand implements Callable<Integer> {
  @ParentCommand ShoalAgent root;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    JsonNode status = root.client().get("/v1/status");
    PrintWriter out = spec.commandLine().getOut();
    long total = 0;
    for (JsonNode item : status.path("cache")) {
      long bytes = item.path("bytes").asLong();
      total += bytes;
      out.printf("%12s  %s%n", ByteUnits.format(bytes), item.path("name").asString());
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
