package dev.shoal.agent.cli;

import dev.shoal.agent.bandwidth.BandwidthSettings;
import dev.shoal.agent.bandwidth.ByteUnits;
import dev.shoal.agent.bandwidth.UploadHours;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code limits show|set}. */
@Command(
    name = "limits",
    mixinStandardHelpOptions = true,
    description = "Show or change bandwidth limits.",
    subcommands = {LimitsCommand.Show.class, LimitsCommand.Set.class})
final class LimitsCommand {
  static void print(BandwidthSettings s, PrintWriter out) {
    out.println("upload cap:        " + ByteUnits.cap(s.uploadCapBytesPerSecond()));
    out.println("download cap:      " + ByteUnits.cap(s.downloadCapBytesPerSecond()));
    out.println("while gaming:      " + ByteUnits.cap(s.quietModeDownloadCapBytesPerSecond()));
    out.println(
        "monthly allowance: "
            + (s.monthlyUploadAllowanceBytes() == 0
                ? "no limit"
                : ByteUnits.format(s.monthlyUploadAllowanceBytes())));
    out.println("upload hours:      " + (s.uploadHours() == null ? "any time" : s.uploadHours()));
    out.println("metered:           " + (s.metered() ? "yes (no uploading)" : "no"));
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show the current limits.")
  static final class Show extends AgentCommand {

    @Override
    public Integer call() {
      print(client().get("/v1/limits", BandwidthSettings.class), out());
      return 0;
    }
  }

  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description = "Change some limits; others stay as they are.")
  static final class Set extends AgentCommand {

    @Option(names = "--up", description = "Upload cap, e.g. 1MB (per second); 0 = no limit.")
    String up;

    @Option(names = "--down", description = "Download cap, e.g. 10MB (per second); 0 = no limit.")
    String down;

    @Option(names = "--quiet-down", description = "Download cap while a game runs, e.g. 1MB.")
    String quietDown;

    @Option(names = "--monthly", description = "Monthly upload allowance, e.g. 20GB; 0 = no limit.")
    String monthly;

    @Option(
        names = "--hours",
        description = "Upload only between these hours, e.g. 01:00-07:00, " + "or 'any'.")
    String hours;

    @Option(names = "--metered", arity = "1", description = "true if this connection is metered.")
    Boolean metered;

    @Override
    public Integer call() {
      LocalApiClient client = client();
      BandwidthSettings cur = client.get("/v1/limits", BandwidthSettings.class);
      BandwidthSettings next =
          new BandwidthSettings(
              up == null ? cur.uploadCapBytesPerSecond() : ByteUnits.parse(up),
              down == null ? cur.downloadCapBytesPerSecond() : ByteUnits.parse(down),
              monthly == null ? cur.monthlyUploadAllowanceBytes() : ByteUnits.parse(monthly),
              hours == null
                  ? cur.uploadHours()
                  : hours.equalsIgnoreCase("any") ? null : UploadHours.parse(hours),
              metered == null ? cur.metered() : metered,
              quietDown == null
                  ? cur.quietModeDownloadCapBytesPerSecond()
                  : ByteUnits.parse(quietDown));
      BandwidthSettings saved =
          LocalApiClient.convert(client.put("/v1/limits", next), BandwidthSettings.class);
      print(saved, out());
      return 0;
    }
  }
}
