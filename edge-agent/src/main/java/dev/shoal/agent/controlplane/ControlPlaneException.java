package dev.shoal.agent.controlplane;

/**
 * A control-plane call that failed: the HTTP status it answered (0 when it could not be reached),
 * its problem detail, and whether retrying later can help.
 */
public final class ControlPlaneException extends Exception {
  private final int status;

  ControlPlaneException(int status, String message) {
    super(message);
    this.status = status;
  }

  ControlPlaneException(String message, Throwable cause) {
    super(message, cause);
    this.status = 0;
  }

  /** The HTTP status, or 0 when the control plane could not be reached. */
  public int status() {
    return status;
  }

  /** Unreachable, overloaded or failing servers may recover; refusals do not. */
  public boolean retryable() {
    return status == 0 || status == 408 || status == 429 || status >= 500;
  }

  /** The device is not entitled to the product (or the device was revoked). */
  public boolean notEntitled() {
    return status == 403;
  }
}
