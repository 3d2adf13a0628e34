package dev.shoal.swarm;

/**
 * One connected peer (its handshake done), as the engine saw it when {@link Swarm#peers()} was
 * called: for status pages and diagnostics.
 *
 * @param address the remote end of the connection, as the kernel reports it ("host:port")
 * @param transport "tcp" or "utp"
 * @param outgoing we dialled it (false: it connected to us)
 * @param lan it is on our LAN ({@link SwarmConfig#lanNetworks()}), so its traffic stays in the home
 * @param downloadBytesPerSecond piece payload from it, smoothed over a few seconds
 * @param uploadBytesPerSecond piece payload to it, smoothed the same way
 */
public record PeerSnapshot(
    String address,
    String transport,
    boolean outgoing,
    boolean lan,
    long downloadBytesPerSecond,
    long uploadBytesPerSecond) {}
