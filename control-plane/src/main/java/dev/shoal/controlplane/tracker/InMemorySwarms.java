package dev.shoal.controlplane.tracker;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Swarms in this node's memory: the default, for one control plane. A restart loses them, and peers
 * rebuild them at their next announce (within one interval).
 */
final class InMemorySwarms implements SwarmStore {

  private final Map<String, MemorySwarm> swarms = new ConcurrentHashMap<>();
  private final PeerExpiry expiry;
  private final Set<String> originPasskeys = ConcurrentHashMap.newKeySet();

  /** Peers that have not announced for {@code expiry} are gone. */
  InMemorySwarms(Clock clock, Duration expiry) {
    this.expiry = new PeerExpiry(clock, expiry);
  }

  @Override
  public List<InetSocketAddress> announce(
      String infoHash, String peerKey, Peer peer, boolean stopped, int numwant) {
    MemorySwarm swarm = swarms.computeIfAbsent(infoHash, k -> new MemorySwarm());
    if (stopped) {
      swarm.remove(peerKey);
      return List.of();
    }
    swarm.put(peerKey, peer);
    return PeerSelection.select(
        swarm.candidates(peer, PeerSelection.sample(numwant)), peer, numwant, expiry.oldest());
  }

  @Override
  public long now() {
    return expiry.now();
  }

  @Override
  public int purge() {
    long oldest = expiry.oldest();
    int left = 0;
    for (MemorySwarm swarm : swarms.values()) {
      left += swarm.removeIf(p -> p.lastSeenMillis() < oldest);
    }
    swarms.values().removeIf(MemorySwarm::isEmpty);
    return left;
  }

  @Override
  public int activePeers() {
    long oldest = expiry.oldest();
    int n = 0;
    for (MemorySwarm swarm : swarms.values()) {
      n += PeerSelection.active(swarm.all(), oldest);
    }
    return n;
  }

  @Override
  public int activeSwarms() {
    long oldest = expiry.oldest();
    int n = 0;
    for (MemorySwarm swarm : swarms.values()) {
      if (PeerSelection.active(swarm.all(), oldest) > 0) {
        n++;
      }
    }
    return n;
  }

  @Override
  public Map<String, Count> counts() {
    long oldest = expiry.oldest();
    Map<String, Count> counts = new HashMap<>();
    swarms.forEach(
        (infoHash, swarm) -> {
          Count count = PeerSelection.count(swarm.all(), oldest);
          if (count != null) {
            counts.put(infoHash, count);
          }
        });
    return counts;
  }

  @Override
  public Set<String> devicesAt(String infoHash, InetAddress address) {
    MemorySwarm swarm = swarms.get(infoHash);
    if (swarm == null) {
      return Set.of();
    }
    return PeerSelection.devicesAt(swarm.at(address), address, expiry.oldest());
  }

  @Override
  public void forgetDevice(String deviceId) {
    swarms.values().forEach(s -> s.removeIf(p -> p.deviceId().equals(deviceId)));
  }

  @Override
  public void registerOriginPasskey(String passkey) {
    originPasskeys.add(passkey);
  }

  @Override
  public boolean isOriginPasskey(String passkey) {
    return originPasskeys.contains(passkey);
  }
}
