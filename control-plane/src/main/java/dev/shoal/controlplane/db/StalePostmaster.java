package dev.shoal.controlplane.db;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deals with the {@code postmaster.pid} a killed control plane leaves behind. PostgreSQL runs
 * detached from the JVM, so after a {@code kill -9} it keeps running and holds the data directory;
 * after a machine crash the file names a dead (or reused) process id. Called only while holding the
 * data-directory lock, so no live control plane owns that postmaster.
 */
final class StalePostmaster {

  private static final Logger log = LoggerFactory.getLogger(StalePostmaster.class);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  private StalePostmaster() {}

  static void clear(Path pgData) throws IOException {
    Path pidFile = pgData.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    Optional<ProcessHandle> orphan = readPid(pidFile).flatMap(ProcessHandle::of);
    if (orphan.isPresent() && isPostgres(orphan.get())) {
      stop(orphan.get());
    } else {
      log.warn("Removing stale {} (its process is gone)", pidFile);
      Files.deleteIfExists(pidFile);
    }
  }

  private static Optional<Long> readPid(Path pidFile) throws IOException {
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
    try {
      return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static boolean isPostgres(ProcessHandle process) {
    return process.isAlive()
        && process.info().command().map(c -> c.endsWith("/postgres")).orElse(false);
  }

  private static void stop(ProcessHandle postmaster) throws IOException {
    log.warn(
        "PostgreSQL (pid {}) left running by a control plane that did not shut down: stopping it",
        postmaster.pid());
    // SIGTERM is PostgreSQL's "smart" shutdown; the dead JVM's connections are gone already.
    postmaster.destroy();
    try {
      postmaster.onExit().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      throw new IOException("Orphaned PostgreSQL pid " + postmaster.pid() + " did not stop", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while stopping PostgreSQL pid " + postmaster.pid(), e);
    }
  }
}
