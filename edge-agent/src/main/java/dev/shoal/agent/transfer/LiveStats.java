package dev.shoal.agent.transfer;

/**
 * What the swarm is doing right now, summed over all transfers.
 *
 * @param downloadBytesPerSecond from peers and origin
 * @param uploadBytesPerSecond to peers
 * @param peers connected peers
 * @param listenPort the port peers can reach us on, 0 while uploads are off (no listening socket)
 */
public record LiveStats(
    long downloadBytesPerSecond, long uploadBytesPerSecond, int peers, int listenPort) {}
