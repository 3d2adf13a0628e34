package dev.shoal.swarm;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Control and progress of one torrent in a {@link Swarm}. Thread-safe. */
public final class TorrentHandle implements AutoCloseable {
  private final Torrent torrent;
  private final Engine engine;

  TorrentHandle(Torrent torrent, Engine engine) {
    this.torrent = torrent;
    this.engine = engine;
  }

  /** The engine-thread state behind this handle; only touch it via {@link Swarm#onEngine}. */
  Torrent torrent() {
    return torrent;
  }

  public String infoHashHex() {
    return Torrent.hex(torrent.infoHash);
  }

  /** Latest snapshot (at most ~100 ms old). */
  public Progress progress() {
    return torrent.snapshot;
  }

  /**
   * Waits until every piece is verified on disk.
   *
   * @return the progress at completion
   * @throws TimeoutException if not complete in time
   * @throws IllegalStateException if the torrent failed or was closed first
   */
  public Progress awaitCompletion(Duration timeout) throws TimeoutException, InterruptedException {
    try {
      return torrent.completion.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    }
  }

  /** Disconnects all peers and stops fetching until {@link #resume()}. */
  public void pause() {
    engine.execute(() -> torrent.setPaused(true));
  }

  public void resume() {
    engine.execute(() -> torrent.setPaused(false));
  }

  /** Per-torrent caps in bytes/s (0 = unlimited); take effect at once. */
  public void setCaps(long upBytesPerSecond, long downBytesPerSecond) {
    if (upBytesPerSecond < 0 || downBytesPerSecond < 0) {
      throw new IllegalArgumentException("caps must be >= 0");
    }
    engine.execute(
        () -> {
          torrent.upBucket.setRate(upBytesPerSecond);
          torrent.downBucket.setRate(downBytesPerSecond);
        });
  }

  /** Removes the torrent: peers disconnected, "stopped" announced, resume state saved. */
  @Override
  public void close() {
    engine.execute(() -> engine.removeTorrent(torrent));
  }
}
