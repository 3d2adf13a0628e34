package dev.shoal.agent.cli;

import dev.shoal.agent.localapi.LocalApiFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Command;

/**
 * Stops the running agent the way a service manager does: SIGTERM (on Windows, the process's normal
 * termination), which runs the agent's shutdown hook (uploads end, local-api.json goes). A service
 * manager that restarts on failure does not restart it, since it exits cleanly.
 */
@Command(
    name = "stop",
    mixinStandardHelpOptions = true,
    description = "Stop the running agent (sharing stops; start it again with 'shoal-agent run').")
final class StopCommand extends AgentCommand {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @Override
  public Integer call() throws IOException {
    stop(root().dataDir, out());
    return 0;
  }

  /** Stops the agent of {@code dir} if it runs; returns whether one was running. */
  static boolean stop(Path dir, PrintWriter out) throws IOException {
    if (!isRunning(dir)) {
      out.println("The Shoal agent is not running.");
      return false;
    }
    // The pid comes from the file the running agent wrote; the lock says that agent still runs.
    Optional<ProcessHandle> process =
        LocalApiFile.read(dir.resolve("local-api.json"))
            .flatMap(api -> ProcessHandle.of(api.pid()));
    if (process.isEmpty()) {
      throw new CliException(
          CliException.OTHER,
          "the agent holds "
              + dir.resolve("agent.lock")
              + " but published no process id yet; try again in a moment");
    }
    if (process.get().pid() == ProcessHandle.current().pid()) {
      throw new CliException(
          CliException.REFUSED,
          "the agent runs inside this program (a launcher embeds it); close it there first");
    }
    out.println("Stopping the Shoal agent (process " + process.get().pid() + ")…");
    out.flush();
    process.get().destroy();
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (isRunning(dir)) {
      if (System.nanoTime() > deadline) {
        throw new CliException(
            CliException.OTHER,
            "the agent did not stop within "
                + PATIENCE.toSeconds()
                + " s (process "
                + process.get().pid()
                + ")");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException(CliException.OTHER, "interrupted");
      }
    }
    out.println("The Shoal agent stopped.");
    return true;
  }

  /** The agent holds {@code agent.lock} while it runs. */
  static boolean isRunning(Path dir) throws IOException {
    Path lockFile = dir.resolve("agent.lock");
    if (!Files.exists(lockFile)) {
      return false;
    }
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
      FileLock lock = ch.tryLock();
      if (lock == null) {
        return true;
      }
      lock.release();
      return false;
    } catch (OverlappingFileLockException e) {
      // This very process runs it (an embedding launcher): it is running.
      return true;
    }
  }
}
