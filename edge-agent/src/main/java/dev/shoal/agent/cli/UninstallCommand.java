package dev.shoal.agent.cli;

import dev.shoal.agent.controlplane.Enrolment;
import dev.shoal.agent.controlplane.EnrolmentStore;
import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.identity.DeviceIdentity;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Removes Shoal from this computer: tells the control plane the device leaves, removes the
 * autostart entry, and deletes the data directory (keys, consent log, settings, cache). Games that
 * were installed stay where they are: they are the player's.
 */
@Command(
    name = "uninstall",
    mixinStandardHelpOptions = true,
    description =
        "Remove Shoal: stop the agent, deregister this computer, remove autostart, delete all Shoal data and"
            + " cached packs (your installed games stay).")
final class UninstallCommand extends AgentCommand {

  @Option(names = "--yes", description = "Do not ask for confirmation.")
  boolean yes;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = out();
    Path dir = root().dataDir;
    if (!Files.isDirectory(dir)) {
      out.println("Nothing to remove: " + dir + " does not exist.");
      removeAutostart(out);
      return 0;
    }
    boolean running = StopCommand.isRunning(dir);
    if (!yes) {
      out.println(
          "This "
              + (running ? "stops the running agent and " : "")
              + "removes "
              + dir
              + " (keys, settings, consent log, cached packs).");
      out.print("Type 'yes' to continue: ");
      out.flush();
      String answer = root().in().readLine();
      if (answer == null || !answer.trim().equalsIgnoreCase("yes")) {
        out.println("Nothing was removed.");
        return CliException.REFUSED;
      }
    }
    // Removing the directory under a running agent would leave it sharing from a deleted cache.
    StopCommand.stop(dir, out);
    deregister(dir, out);
    removeAutostart(out);
    DataDir.deleteTree(dir, () -> {});
    out.println("Removed " + dir + ". Shoal is uninstalled; your games were not touched.");
    return 0;
  }

  private static void deregister(Path dir, PrintWriter out) {
    Path file = dir.resolve("state").resolve("enrolment.json");
    if (!Files.exists(file)) {
      return;
    }
    try {
      DataDir data = DataDir.open(dir);
      EnrolmentStore store =
          new EnrolmentStore(data, DeviceIdentity.loadOrCreate(data), Clock.systemUTC());
      Enrolment e = store.current().orElseThrow();
      store.client(e).leave();
      out.println("Device " + e.deviceId() + " deregistered from " + e.controlPlane() + ".");
    } catch (Exception ex) {
      out.println(
          "Could not tell the control plane (the device will simply stop appearing): "
              + ex.getMessage());
    }
  }

  /** The systemd user unit as deploy/agent installs it; elsewhere nothing is registered. */
  private static void removeAutostart(PrintWriter out) throws IOException {
    for (Path p : autostartEntries()) {
      if (Files.deleteIfExists(p)) {
        out.println("Removed autostart entry " + p + ".");
      }
    }
  }

  static List<Path> autostartEntries() {
    String xdg = System.getenv("XDG_CONFIG_HOME");
    Path config =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".config");
    Path units = config.resolve("systemd").resolve("user");
    return List.of(
        units.resolve("default.target.wants").resolve("shoal-agent.service"),
        units.resolve("shoal-agent.service"));
  }
}
