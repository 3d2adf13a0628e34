package dev.shoal.agent.transfer;

/** Which sources a transfer may use, decided by the player's download consent. */
public enum Sources {
  /** No download consent: the origin (web seed) only; no tracker, no peers. */
  ORIGIN_ONLY,
  /** Download consent: tracker and peers, with the origin as fallback. */
  PEERS_AND_ORIGIN
}
