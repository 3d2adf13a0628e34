package dev.shoal.agent.consent;

/** Where the player was asked; kept with each consent record so the question can be audited. */
public enum AskedWhere {
  INSTALLER,
  LAUNCHER,
  SETTINGS,
  CLI
}
