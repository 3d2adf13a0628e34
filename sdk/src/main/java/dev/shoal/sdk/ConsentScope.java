package dev.shoal.sdk;

/** What the player is asked about; each scope is asked and answered separately. */
public enum ConsentScope {
  /** Downloading game data from other players (instead of only from the publisher's servers). */
  DOWNLOAD_FROM_PEERS,
  /** Uploading pieces of game data the player already has to other players. */
  UPLOAD_TO_PEERS
}
