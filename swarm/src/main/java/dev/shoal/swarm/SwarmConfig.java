package dev.shoal.swarm;

import java.time.Duration;

/**
 * Engine-wide settings.
 *
 * @param listenPort TCP port for incoming peers, 0 = pick a free one
 * @param bindAddress address to listen on, e.g. "0.0.0.0" or "127.0.0.1"
 * @param peerIdPrefix 8 ASCII chars, Azureus style ("-SH0100-")
 * @param maxConnections cap on peer connections over all torrents
 * @param uploadSlots regularly unchoked peers per torrent (plus one optimistic)
 * @param maxRequestsPerPeer upper bound of the adaptive request pipeline (16 KiB blocks)
 * @param globalUpCap bytes/s, 0 = unlimited
 * @param globalDownCap bytes/s, 0 = unlimited (origin bytes count too)
 * @param uploadEnabled false = leech-only: no listening socket, no unchoking
 * @param userAgent sent to trackers and web seeds, and as "v" in the extension handshake
 * @param originFallbackAfter how long a torrent may go without useful peers before the web seed is
 *     used
 * @param originMinPeerRate peer download rate (bytes/s) below which the web seed helps out
 */
public record SwarmConfig(
    int listenPort,
    String bindAddress,
    String peerIdPrefix,
    int maxConnections,
    int uploadSlots,
    int maxRequestsPerPeer,
    long globalUpCap,
    long globalDownCap,
    boolean uploadEnabled,
    String userAgent,
    Duration originFallbackAfter,
    long originMinPeerRate) {

  public static final String DEFAULT_PEER_ID_PREFIX = "-SH0100-";

  /**
   * The peer id prefix of a publisher's origin seeder. Bytes from a peer whose id starts with it
   * count as from the origin, not from peers, so the offload ratio measures what other players
   * gave. Players also treat it as the publisher's capped seeder: its BEP 6 rejects are not counted
   * as lies (it refuses a piece it sent another player first), and while it is connected the HTTP
   * origin waits for 15 s of silence or of a slow download. A peer that lies with this prefix makes
   * its own contribution look smaller, and can delay the HTTP origin by those 15 s.
   */
  public static final String ORIGIN_PEER_ID_PREFIX = "-SO0100-";

  public SwarmConfig {
    if (listenPort < 0 || listenPort > 65535) {
      throw new IllegalArgumentException("listenPort out of range");
    }
    bindAddress = bindAddress == null ? "0.0.0.0" : bindAddress;
    peerIdPrefix = peerIdPrefix == null ? DEFAULT_PEER_ID_PREFIX : peerIdPrefix;
    if (peerIdPrefix.length() != 8 || !peerIdPrefix.chars().allMatch(c -> c > 32 && c < 127)) {
      throw new IllegalArgumentException("peerIdPrefix must be 8 printable ASCII chars");
    }
    if (maxConnections < 1 || uploadSlots < 1 || maxRequestsPerPeer < 4) {
      throw new IllegalArgumentException("maxConnections/uploadSlots/maxRequestsPerPeer too small");
    }
    if (globalUpCap < 0 || globalDownCap < 0 || originMinPeerRate < 0) {
      throw new IllegalArgumentException("caps must be >= 0");
    }
    userAgent = userAgent == null ? "Shoal/0.1" : userAgent;
    originFallbackAfter = originFallbackAfter == null ? Duration.ofSeconds(2) : originFallbackAfter;
  }

  /** Whether this engine is the publisher's origin seeder (its peer id prefix says so). */
  public boolean isOrigin() {
    return ORIGIN_PEER_ID_PREFIX.equals(peerIdPrefix);
  }

  /** Defaults: random port on all interfaces, 200 connections, 8 slots, up to 256 requests. */
  public static SwarmConfig defaults() {
    return new SwarmConfig(0, null, null, 200, 8, 256, 0, 0, true, null, null, 64 * 1024);
  }

  public SwarmConfig withListenPort(int port) {
    return new SwarmConfig(
        port,
        bindAddress,
        peerIdPrefix,
        maxConnections,
        uploadSlots,
        maxRequestsPerPeer,
        globalUpCap,
        globalDownCap,
        uploadEnabled,
        userAgent,
        originFallbackAfter,
        originMinPeerRate);
  }

  public SwarmConfig withBindAddress(String address) {
    return new SwarmConfig(
        listenPort,
        address,
        peerIdPrefix,
        maxConnections,
        uploadSlots,
        maxRequestsPerPeer,
        globalUpCap,
        globalDownCap,
        uploadEnabled,
        userAgent,
        originFallbackAfter,
        originMinPeerRate);
  }

  public SwarmConfig withPeerIdPrefix(String prefix) {
    return new SwarmConfig(
        listenPort,
        bindAddress,
        prefix,
        maxConnections,
        uploadSlots,
        maxRequestsPerPeer,
        globalUpCap,
        globalDownCap,
        uploadEnabled,
        userAgent,
        originFallbackAfter,
        originMinPeerRate);
  }

  public SwarmConfig withCaps(long up, long down) {
    return new SwarmConfig(
        listenPort,
        bindAddress,
        peerIdPrefix,
        maxConnections,
        uploadSlots,
        maxRequestsPerPeer,
        up,
        down,
        uploadEnabled,
        userAgent,
        originFallbackAfter,
        originMinPeerRate);
  }

  public SwarmConfig withUploadEnabled(boolean enabled) {
    return new SwarmConfig(
        listenPort,
        bindAddress,
        peerIdPrefix,
        maxConnections,
        uploadSlots,
        maxRequestsPerPeer,
        globalUpCap,
        globalDownCap,
        enabled,
        userAgent,
        originFallbackAfter,
        originMinPeerRate);
  }

  public SwarmConfig withMaxConnections(int max) {
    return new SwarmConfig(
        listenPort,
        bindAddress,
        peerIdPrefix,
        max,
        uploadSlots,
        maxRequestsPerPeer,
        globalUpCap,
        globalDownCap,
        uploadEnabled,
        userAgent,
        originFallbackAfter,
        originMinPeerRate);
  }

  public SwarmConfig withOriginFallback(Duration after, long minPeerRate) {
    return new SwarmConfig(
        listenPort,
        bindAddress,
        peerIdPrefix,
        maxConnections,
        uploadSlots,
        maxRequestsPerPeer,
        globalUpCap,
        globalDownCap,
        uploadEnabled,
        userAgent,
        after,
        minPeerRate);
  }
}
