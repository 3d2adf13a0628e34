package dev.shoal.protocol;

/**
 * Input that does not follow a Shoal format. Every parser in this module reports hostile or broken
 * input with this type (or a subtype) and nothing else, so callers need only one catch.
 */
public class ProtocolException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ProtocolException(String message) {
    super(message);
  }

  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
