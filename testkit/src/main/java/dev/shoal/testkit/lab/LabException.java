package dev.shoal.testkit.lab;

/**
 * The lab could not be built or driven (a command failed, timed out, or the run ran out of time).
 */
public final class LabException extends RuntimeException {
  LabException(String message) {
    super(message);
  }

  LabException(String message, Throwable cause) {
    super(message, cause);
  }
}
