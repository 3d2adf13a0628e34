package dev.shoal.sdk;

/** An open event subscription; {@link #close()} stops it (idempotent). */
public interface Subscription extends AutoCloseable {
  /** Stops reading events; no listener call starts after this returns. */
  @Override
  void close();
}
