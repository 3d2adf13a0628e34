package dev.shoal.sdk;

/** How a download is going, for the launcher to explain a slow one. */
public enum InstallHealth {
  /** Nothing to report. */
  OK,
  /** Downloading from the origin only, because the player did not consent to peers. */
  ORIGIN_ONLY,
  /** The player consented to peers but none were found: the origin serves it. */
  NO_PEERS,
  /** No verified byte for a while (15 s): network trouble on the player's side or ours. */
  STALLED,
  /** A value this SDK does not know (a newer agent). */
  UNKNOWN
}
