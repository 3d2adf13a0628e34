package dev.shoal.protocol.signing;

import dev.shoal.protocol.ProtocolException;

/** A proposed trust root that does not follow the rotation rules. */
public class RotationRejectedException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  public RotationRejectedException(String message) {
    super(message);
  }
}
