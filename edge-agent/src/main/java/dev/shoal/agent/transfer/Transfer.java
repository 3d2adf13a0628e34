package dev.shoal.agent.transfer;

import dev.shoal.swarm.Progress;
import dev.shoal.swarm.TorrentHandle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One pack being downloaded or seeded by the agent. When the player's download consent changes
 * while it runs, the agent replaces the engine job underneath (verified pieces are kept), so a
 * {@code Transfer} outlives the individual {@link TorrentHandle}s. Thread-safe.
 */
public final class Transfer {
  private final PackSource source;
  private final Path dataFile;
  private final boolean seedOnly;
  private volatile TorrentHandle handle;
  private volatile Sources sources;
  private volatile boolean closed;
  private volatile boolean swapping;
  final AtomicLong fromPeers = new AtomicLong();
  final AtomicLong fromOrigin = new AtomicLong();
  final AtomicLong uploaded = new AtomicLong();

  Transfer(PackSource source, Path dataFile, boolean seedOnly) {
    this.source = source;
    this.dataFile = dataFile;
    this.seedOnly = seedOnly;
  }

  void attach(TorrentHandle h, Sources s) {
    this.handle = h;
    this.sources = s;
  }

  void setSwapping(boolean on) {
    swapping = on;
  }

  TorrentHandle handle() {
    return handle;
  }

  PackSource source() {
    return source;
  }

  boolean seedOnly() {
    return seedOnly;
  }

  void markClosed() {
    closed = true;
  }

  public boolean isClosed() {
    return closed;
  }

  public String fileName() {
    return source.fileName();
  }

  /** The data file in the agent's cache directory. */
  public Path dataFile() {
    return dataFile;
  }

  /** The sources the current engine job uses (changes with the download consent). */
  public Sources sources() {
    return sources;
  }

  /** The engine's latest snapshot of the current job (its byte counts restart on a swap). */
  public Progress progress() {
    return handle.progress();
  }

  /** Payload bytes received from peers over the whole life of this transfer, as counted so far. */
  public long bytesFromPeers() {
    return fromPeers.get();
  }

  /** Payload bytes received from the origin over the whole life of this transfer. */
  public long bytesFromOrigin() {
    return fromOrigin.get();
  }

  /** Payload bytes uploaded to peers over the whole life of this transfer. */
  public long bytesUploaded() {
    return uploaded.get();
  }

  /**
   * Waits until every piece is verified on disk, across job swaps.
   *
   * @throws TimeoutException if not complete in time
   * @throws IllegalStateException if the transfer failed or was closed
   */
  public Progress awaitCompletion(Duration timeout) throws TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      TorrentHandle h = handle;
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException("transfer of " + fileName() + " not complete in " + timeout);
      }
      try {
        return h.awaitCompletion(Duration.ofNanos(Math.min(left, 250_000_000L)));
      } catch (TimeoutException e) {
        // loop: re-check the deadline and whether the job was swapped
      } catch (IllegalStateException e) {
        if (closed || (h == handle && !swapping)) {
          throw e;
        }
        Thread.sleep(10);
      }
    }
  }
}
