package dev.shoal.agent.cli;

import dev.shoal.agent.bandwidth.ByteUnits;
import dev.shoal.agent.json.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * Installs or updates a game through the running agent and follows it to the end: a progress bar on
 * a terminal, one JSON line per second otherwise (or with {@code --json}).
 */
@Command(
    name = "install",
    mixinStandardHelpOptions = true,
    description = "Install or update a game into a directory, and show its progress.")
final class InstallCommand extends AgentCommand {
  /** Exit code when the install failed (the agent's error code is printed). */
  static final int FAILED = 5;

  @Option(names = "--product", required = true, description = "Product, e.g. mygame.")
  String product;

  @Option(names = "--channel", defaultValue = "live", description = "Channel (default: live).")
  String channel;

  @Option(names = "--dir", required = true, description = "Install directory.")
  Path dir;

  @Option(names = "--background", description = "Lower priority: wait for foreground installs.")
  boolean background;

  @Option(names = "--json", description = "One JSON status line per second.")
  boolean json;

  @Option(names = "--no-wait", description = "Start the install and return at once.")
  boolean noWait;

  @Override
  public Integer call() throws InterruptedException {
    LocalApiClient client = client();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("product", product);
    body.put("channel", channel);
    body.put("directory", dir.toAbsolutePath().normalize().toString());
    body.put("priority", background ? "BACKGROUND" : "FOREGROUND");
    JsonNode status = client.post("/v1/installs", body);
    String id = status.path("id").asString();
    PrintWriter out = out();
    boolean bar = !json && System.console() != null;
    Speed speed = new Speed();
    while (!noWait && !isFinal(status.path("state").asString())) {
      show(status, out, bar, speed);
      Thread.sleep(bar ? 250 : 1000);
      status = client.get("/v1/installs/" + id);
    }
    if (bar) {
      out.println();
    }
    if (json || noWait) {
      out.println(Json.MAPPER.writeValueAsString(status));
    } else {
      out.println(summary(status));
    }
    return status.path("state").asString().equals("FAILED") ? FAILED : 0;
  }

  private void show(JsonNode s, PrintWriter out, boolean bar, Speed speed) {
    if (!bar) {
      out.println(Json.MAPPER.writeValueAsString(s));
      return;
    }
    long rate =
        speed.rate(
            s.path("bytesPerSecond").asLong(), s.path("bytesDone").asLong(), System.nanoTime());
    out.print("\r" + progressLine(s, rate));
    out.flush();
  }

  /**
   * The rate the bar shows. The swarm engine samples its rate once a second and smooths it, so a
   * download of a few seconds showed 0 B/s throughout; until the agent reports a rate, the bar
   * shows the average since it started.
   */
  static final class Speed {
    private long firstNanos = -1;
    private long firstBytes;

    long rate(long reported, long bytesDone, long nowNanos) {
      if (firstNanos < 0) {
        firstNanos = nowNanos;
        firstBytes = bytesDone;
      }
      if (reported > 0) {
        return reported;
      }
      double seconds = (nowNanos - firstNanos) / 1e9;
      return seconds < 0.2 ? 0 : (long) (Math.max(0, bytesDone - firstBytes) / seconds);
    }
  }

  /** {@code DOWNLOADING [#########-----------] 45% 12.3 MB/s ETA 1m05s peers 3 from peers 80%}. */
  static String progressLine(JsonNode s, long rate) {
    long done = s.path("bytesDone").asLong();
    long total = s.path("bytesTotal").asLong();
    int pct = total == 0 ? 0 : (int) (100 * done / total);
    int filled = pct / 5;
    String eta =
        s.path("etaSeconds").isNumber() ? " ETA " + duration(s.path("etaSeconds").asLong()) : "";
    return String.format(
        Locale.ROOT,
        "%-11s [%s%s] %3d%%  %s/s%s  peers %d  from peers %d%%  ",
        s.path("state").asString(),
        "#".repeat(filled),
        "-".repeat(20 - filled),
        pct,
        ByteUnits.format(rate),
        eta,
        s.path("peers").asInt(),
        Math.round(100 * s.path("fromPeersShare").asDouble()));
  }

  static String summary(JsonNode s) {
    String state = s.path("state").asString();
    String what = s.path("product").asString() + "/" + s.path("channel").asString();
    return switch (state) {
      case "COMPLETED" ->
          what
              + " version "
              + s.path("targetDisplayVersion").asString("?")
              + " ("
              + s.path("installedVersion").asString("?")
              + ") is installed in "
              + s.path("directory").asString()
              + "; "
              + ByteUnits.format(s.path("bytesFromPeers").asLong())
              + " came from other players, "
              + ByteUnits.format(s.path("bytesFromOrigin").asLong())
              + " from the publisher.";
      case "FAILED" ->
          what
              + " failed: "
              + s.path("error").path("code").asString()
              + ": "
              + s.path("error").path("message").asString()
              + (s.path("error").path("retryable").asBoolean()
                  ? " (trying again later may help)"
                  : "");
      default -> what + " is " + state;
    };
  }

  private static String duration(long seconds) {
    return seconds >= 3600
        ? String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60)
        : String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
  }

  private static boolean isFinal(String state) {
    return state.equals("COMPLETED") || state.equals("FAILED") || state.equals("CANCELLED");
  }
}
