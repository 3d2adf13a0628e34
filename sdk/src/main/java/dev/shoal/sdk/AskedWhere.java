package dev.shoal.sdk;

/** Where the player was asked, recorded with every consent decision. */
public enum AskedWhere {
  /** In the game's installer. */
  INSTALLER,
  /** In the launcher. */
  LAUNCHER,
  /** In a settings screen. */
  SETTINGS,
  /** On the command line. */
  CLI
}
