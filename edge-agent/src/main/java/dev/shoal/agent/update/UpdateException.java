package dev.shoal.agent.update;

/** Why an install or update failed, with a stable code and whether retrying can help. */
public final class UpdateException extends Exception {
  /** Stable error codes, shared with the local API and the SDK. */
  public enum Code {
    /** The agent has not enrolled with a control plane yet. */
    NOT_ENROLLED(false),
    /** The control plane or origin could not be reached or failed. */
    NETWORK(true),
    /** The device is not entitled to the product, or was revoked. */
    ENTITLEMENT(false),
    /** The channel has no release for this device. */
    NO_RELEASE(true),
    /** The manifest, a trust-root rotation or a torrent failed verification. */
    SIGNATURE(false),
    /** Downloaded or installed data does not match its hashes. */
    INTEGRITY(false),
    DISK_FULL(true),
    PATH_TOO_LONG(false),
    /** A manifest path would leave the install directory, or the directory is unusable. */
    UNSAFE_PATH(false),
    /** Another install of the same product and channel uses another directory. */
    CONFLICT(false),
    CANCELLED(false),
    IO(true);

    private final boolean retryable;

    Code(boolean retryable) {
      this.retryable = retryable;
    }

    public boolean retryable() {
      return retryable;
    }
  }

  private final Code code;

  UpdateException(Code code, String message) {
    super(message);
    this.code = code;
  }

  UpdateException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }

  public boolean retryable() {
    return code.retryable();
  }
}
