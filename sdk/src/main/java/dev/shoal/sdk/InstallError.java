package dev.shoal.sdk;

/**
 * Why an install failed, as the agent reports it in the install's {@code error}.
 *
 * @param code the error code ({@link ErrorCode#PROTOCOL} for a code this SDK does not know)
 * @param message a human-readable explanation (English, for logs)
 * @param retryable whether installing again may succeed later (e.g. after freeing disk space)
 */
public record InstallError(ErrorCode code, String message, boolean retryable) {

  /** The same failure as the exception {@link InstallHandle#await} throws. */
  public ShoalException toException() {
    return new ShoalException(code, message, retryable, null);
  }
}
