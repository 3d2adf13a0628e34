package dev.shoal.testkit.lab;

/** What a home's router does to its players' addresses. */
public enum Nat {
  /**
   * No translation: the LAN is routed, its players are reachable from anywhere (the "same homes
   * without NAT" of a comparison).
   */
  NONE,
  /**
   * nftables masquerade: the source port is kept when free and replies are let in only from the
   * address and port a player sent to (port-restricted cone, the common home router).
   */
  CONE,
  /**
   * Masquerade with {@code fully-random}: a new random external port for every connection
   * (symmetric-like), so a port learnt from one peer is useless to another.
   */
  SYMMETRIC
}
