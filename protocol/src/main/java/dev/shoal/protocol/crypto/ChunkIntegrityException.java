package dev.shoal.protocol.crypto;

import dev.shoal.protocol.ProtocolException;

/** Encrypted chunk bytes that fail the GCM tag or do not hash to their chunk id. */
public class ChunkIntegrityException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  public ChunkIntegrityException(String message) {
    super(message);
  }

  public ChunkIntegrityException(String message, Throwable cause) {
    super(message, cause);
  }
}
