package dev.shoal.sdk;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Quiet mode for as long as a game runs: opened by {@link ShoalClient#gameStarted()}, closing it
 * switches quiet mode off (once; later closes do nothing).
 */
public final class GameSession implements AutoCloseable {
  private final ShoalClient client;
  private final AtomicBoolean closed = new AtomicBoolean();

  GameSession(ShoalClient client) {
    this.client = client;
  }

  /** Switches quiet mode off. Throws {@link ShoalException} if the agent cannot be reached. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      client.gameStopped();
    }
  }
}
