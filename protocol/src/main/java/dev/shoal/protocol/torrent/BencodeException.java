package dev.shoal.protocol.torrent;

/** Malformed or over-limit bencoded input; the message says what and at which byte offset. */
public final class BencodeException extends Exception {
  private final int offset;

  public BencodeException(String message, int offset) {
    super(message + " at offset " + offset);
    this.offset = offset;
  }

  /** Byte offset in the input where decoding failed. */
  public int offset() {
    return offset;
  }
}
