package dev.shoal.sdk;

/** How urgent an install is for the player. */
public enum InstallPriority {
  /** The player is waiting for it (the default): starts at once. */
  FOREGROUND,
  /** A pre-download or an update the player is not waiting for: waits while a foreground runs. */
  BACKGROUND
}
