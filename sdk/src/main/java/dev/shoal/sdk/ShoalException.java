package dev.shoal.sdk;

/** A failed SDK call: a {@link #code()}, a human-readable message and whether to retry later. */
public final class ShoalException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final boolean retryable;

  /**
   * @param code why the call failed
   * @param message a human-readable explanation (English, for logs)
   * @param retryable whether the same call may succeed later
   * @param cause the underlying exception, or {@code null}
   */
  public ShoalException(ErrorCode code, String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.retryable = retryable;
  }

  /** Why the call failed. */
  public ErrorCode code() {
    return code;
  }

  /** Whether the same call may succeed later (e.g. once the agent runs again). */
  public boolean retryable() {
    return retryable;
  }

  @Override
  public String toString() {
    return "ShoalException[" + code + (retryable ? ", retryable" : "") + "]: " + getMessage();
  }
}
