package dev.shoal.protocol.torrent;

/** A malformed tracker announce request or response. */
public final class AnnounceException extends Exception {
  public AnnounceException(String message) {
    super(message);
  }
}
