package dev.shoal.protocol.torrent;

/** A torrent file that is malformed, over a limit, or not a single-file v1 torrent. */
public final class MetainfoException extends Exception {
  public MetainfoException(String message) {
    super(message);
  }

  public MetainfoException(String message, Throwable cause) {
    super(message, cause);
  }
}
