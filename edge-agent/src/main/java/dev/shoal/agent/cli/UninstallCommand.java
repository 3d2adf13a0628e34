package dev.shoal.agent.cli;

import dev.shoal.agent.controlplane.Enrolment;
import dev.shoal.agent.controlplane.EnrolmentStore;
import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.identity.DeviceIdentity;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
    description =
        "Remove Shoal: deregister this computer, remove autostart, delete all Shoal data and"
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
    requireStopped(dir);
    if (!yes) {
      out.println("This removes " + dir + " (keys, settings, consent log, cached packs).");
      out.print("Type 'yes' to continue: ");
      out.flush();
      String answer = root().in().readLine();
      if (answer == null || !answer.trim().equalsIgnoreCase("yes")) {
        out.println("Nothing was removed.");
        return CliException.REFUSED;
      }
    }
    deregister(dir, out);
    removeAutostart(out);
    DataDir.deleteTree(dir, () -> {});
    out.println("Removed " + dir + ". Shoal is uninstalled; your games were not touched.");
    return 0;
  }

  /** The data directory must not be in use: the agent holds agent.lock while it runs. */
  private static void requireStopped(Path dir) throws IOException {
    Path lockFile = dir.resolve("agent.lock");
    if (!Files.exists(lockFile)) {
      return;
    }
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
      FileLock lock = ch.tryLock();
      if (lock == null) {
        throw running();
      }
      lock.release();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      throw running();
    }
  }

  private static CliException running() {
    return new CliException(
        CliException.REFUSED,
        "the agent is running; stop it first (systemctl --user stop shoal-agent, or quit it)");
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
