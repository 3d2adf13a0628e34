package dev.shoal.agent.cli;

import dev.shoal.agent.bandwidth.ByteUnits;
import dev.shoal.agent.bandwidth.TrafficMeter.Totals;
import dev.shoal.agent.json.Json;
import dev.shoal.agent.status.AgentStatus;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/** Prints what the agent is doing: the same facts as the status page. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "Show what the agent is doing, or open the status page.")
final class StatusCommand extends AgentCommand {

  @Option(names = "--json", description = "Machine-readable output (the /v1/status JSON).")
  boolean json;

  @Option(names = "--open", description = "Open the status page in your browser.")
  boolean open;

  @Option(names = "--link", description = "Print a one-time status page link, do not open it.")
  boolean link;

  @Override
  public Integer call() {
    LocalApiClient client = client();
    PrintWriter out = out();
    if (open || link) {
      String url = client.post("/v1/session", Map.of()).path("url").asString();
      out.println("Status page (link works once, for one minute): " + url);
      if (open) {
        browse(url, out);
      }
      return 0;
    }
    JsonNode node = client.get("/v1/status");
    if (json) {
      out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node));
    } else {
      print(LocalApiClient.convert(node, AgentStatus.class), out);
    }
    return 0;
  }

  /**
   * Opens the URL with the platform's own opener (no {@code java.desktop}, so the jlink runtime
   * stays small). The URL is always printed first, so a failure only costs the player a copy-paste.
   */
  private static void browse(String url, PrintWriter out) {
    List<String> cmd = openerCommand(System.getProperty("os.name", ""), url);
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      p.getOutputStream().close();
      // xdg-open and open return quickly once the browser has the URL; do not wait for the browser.
      if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() != 0) {
        out.println(
            "Could not open a browser ("
                + cmd.get(0)
                + " exited with "
                + p.exitValue()
                + "); open the link yourself: "
                + url);
      }
    } catch (java.io.IOException e) {
      out.println(
          "Could not open a browser (" + e.getMessage() + "); open the link yourself: " + url);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The platform opener: {@code open} (macOS), {@code rundll32} (Windows), else {@code xdg-open}.
   */
  static List<String> openerCommand(String osName, String url) {
    String os = osName.toLowerCase(Locale.ROOT);
    if (os.startsWith("windows")) {
      return List.of("rundll32", "url.dll,FileProtocolHandler", url);
    }
    if (os.startsWith("mac") || os.contains("darwin")) {
      return List.of("open", url);
    }
    return List.of("xdg-open", url);
  }

  static void print(AgentStatus s, PrintWriter out) {
    AgentStatus.Sharing sh = s.sharing();
    out.println(
        sh.uploading()
            ? "Sharing: on (uploading pieces of game updates to other players)"
            : "Sharing: off because " + String.join("; ", sh.uploadOffReasons()));
    out.println("Downloading from other players: " + (sh.downloadingFromPeers() ? "on" : "off"));
    out.println(
        "Quiet mode (game running): "
            + onOff(s.quietMode())
            + "; paused by you: "
            + (s.paused() ? "yes" : "no")
            + "; power: "
            + s.powerSource().name().toLowerCase());
    out.printf("%-32s %12s %12s%n", "", "Today", "This month");
    Totals d = s.activity().today();
    Totals m = s.activity().thisMonth();
    row(out, "Downloaded from other players", d.fromPeers(), m.fromPeers());
    row(out, "Downloaded from publisher", d.fromOrigin(), m.fromOrigin());
    row(out, "Uploaded to other players", d.uploaded(), m.uploaded());
    out.println(
        "Right now: down "
            + ByteUnits.format(s.rates().downloadBytesPerSecond())
            + "/s, up "
            + ByteUnits.format(s.rates().uploadBytesPerSecond())
            + "/s, "
            + s.rates().peers()
            + " players");
    if (s.portMapping() != null) {
      out.println("Port mapping: " + s.portMapping().describe());
    }
    limits(s, out);
    consent(s, out);
    List<String> installs = s.latestInstallLines(ZoneId.systemDefault());
    if (!installs.isEmpty()) {
      out.println("Installs and updates:");
      installs.forEach(line -> out.println("  " + line));
    }
    out.println(s.cache().isEmpty() ? "Cache: nothing cached yet" : "Cache:");
    s.cache()
        .forEach(c -> out.println("  " + c.describe() + " (" + ByteUnits.format(c.bytes()) + ")"));
  }

  private static void limits(AgentStatus s, PrintWriter out) {
    var l = s.limits();
    out.println(
        "Limits: upload "
            + ByteUnits.cap(l.uploadCapBytesPerSecond())
            + ", download "
            + ByteUnits.cap(l.downloadCapBytesPerSecond())
            + " ("
            + ByteUnits.cap(l.quietModeDownloadCapBytesPerSecond())
            + " while a game runs), hours "
            + (l.uploadHours() == null ? "any time" : l.uploadHours().toString())
            + ", metered "
            + (l.metered() ? "yes" : "no"));
    var a = s.allowance();
    out.println(
        a.remainingBytes() == null
            ? "Monthly upload allowance: no limit"
            : "Monthly upload allowance: "
                + ByteUnits.format(a.monthlyBytes())
                + ", "
                + ByteUnits.format(a.remainingBytes())
                + " left, resets "
                + a.resetsAt().toLocalDate());
  }

  private static void consent(AgentStatus s, PrintWriter out) {
    out.println(
        "Consent: download from players "
            + scope(s.consent().downloadFromPeers())
            + "; upload to players "
            + scope(s.consent().uploadToPeers()));
  }

  private static String scope(AgentStatus.ScopeState st) {
    if (st.at() == null) {
      return "not asked yet";
    }
    return (st.granted() ? "yes" : "no") + " (" + st.at() + ", " + st.askedWhere() + ")";
  }

  private static void row(PrintWriter out, String label, long today, long month) {
    out.printf("%-32s %12s %12s%n", label, ByteUnits.format(today), ByteUnits.format(month));
  }

  private static String onOff(boolean b) {
    return b ? "on" : "off";
  }
}
