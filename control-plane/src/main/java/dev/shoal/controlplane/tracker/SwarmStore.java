package dev.shoal.controlplane.tracker;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tracker's swarm state: per info hash, the peers that announced recently. The only state the
 * tracker keeps. {@link InMemorySwarms} holds it in this node (the default: one control plane);
 * {@link RedisSwarms} in Redis, shared by every node, when {@code spring.data.redis.url} is set.
 * Both pick peers the same way ({@link PeerSelection}) and let peers expire after the same time.
 */
interface SwarmStore {

  /**
   * One announcing peer.
   *
   * @param seed it has the whole pack ({@code left=0}): it is never given other seeds
   * @param lan the private (LAN) address and listening port the peer reported ({@code lanip},
   *     {@code lanport}), or null: handed out instead of {@code address} to peers that the tracker
   *     sees at the same public address, who cannot reach it through their shared router otherwise
   */
  record Peer(
      String deviceId,
      InetSocketAddress address,
      String region,
      boolean uploads,
      boolean origin,
      boolean seed,
      long lastSeenMillis,
      InetSocketAddress lan) {

    Peer(
        String deviceId,
        InetSocketAddress address,
        String region,
        boolean uploads,
        boolean origin,
        boolean seed,
        long lastSeenMillis) {
      this(deviceId, address, region, uploads, origin, seed, lastSeenMillis, null);
    }

    /** Where {@code asking} should connect to this peer. */
    InetSocketAddress addressFor(Peer asking) {
      return lan != null && address.getAddress().equals(asking.address().getAddress())
          ? lan
          : address;
    }
  }

  /** Per info hash with at least one active device: devices, and devices that offer uploads. */
  record Count(int peers, int uploadingPeers) {}

  /**
   * Records the announce (or removes the peer on "stopped") and returns at most {@code numwant}
   * peers for it, chosen by {@link PeerSelection}.
   *
   * @param peerKey the device and its peer id: one device may run two peers (an agent restarted)
   */
  List<InetSocketAddress> announce(
      String infoHash, String peerKey, Peer peer, boolean stopped, int numwant);

  /** The time announces are stamped with, in milliseconds. */
  long now();

  /** Drops expired peers; returns how many peers are left. */
  int purge();

  /** Peers that announced within the expiry time. */
  int activePeers();

  /** Swarms (torrents) with at least one peer that announced within the expiry time. */
  int activeSwarms();

  /**
   * Active devices per swarm (announced within the expiry time), each counted once even with two
   * peer ids (an agent restarted); the origin seeder not counted.
   */
  Map<String, Count> counts();

  /**
   * The devices (not origin seeders) that announced this info hash from this address within the
   * expiry time: whom the origin seeder may admit from there.
   */
  Set<String> devicesAt(String infoHash, InetAddress address);

  /** Removes every peer of the device from every swarm (it was revoked). */
  void forgetDevice(String deviceId);

  /**
   * Makes a node's origin-seeder passkey known to every tracker sharing this store, for the expiry
   * time; registered again before that runs out.
   */
  void registerOriginPasskey(String passkey);

  /** Whether the passkey is a registered origin seeder's. */
  boolean isOriginPasskey(String passkey);
}
