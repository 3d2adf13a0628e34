package dev.shoal.sdk;

/**
 * Where an install is in its life. {@link #COMPLETED}, {@link #FAILED}, {@link #CANCELLED} end it.
 */
public enum InstallState {
  /** Waiting for its turn (a background install while a foreground one runs). */
  QUEUED,
  /** Fetching and verifying the signed manifest, choosing the pack, getting the content key. */
  PREPARING,
  /** Downloading the pack (from peers if the player consented, else from the origin). */
  DOWNLOADING,
  /** Paused by {@link InstallHandle#pause()}; verified pieces are kept. */
  PAUSED,
  /** Checking the installed files against the signed manifest. */
  VERIFYING,
  /** Building the new version next to the directory and switching atomically. */
  INSTALLING,
  /** Done: the directory holds the release ({@code targetVersion}). */
  COMPLETED,
  /** Stopped by an error ({@link InstallProgress#error()}); the previous version is unchanged. */
  FAILED,
  /** Cancelled; the previous version is unchanged and the partial download deleted. */
  CANCELLED;

  /** Whether this state ends the install. */
  public boolean isFinal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }
}
