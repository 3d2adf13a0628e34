package dev.shoal.controlplane.tracker;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The tracker's swarm state: per info hash, the peers that announced recently. In memory on one
 * node: a restart loses it, and peers rebuild it at their next announce (within one interval). To
 * run several control planes, this moves to a shared store keyed the same way (e.g. a Redis hash
 * per info hash with a per-peer expiry); nothing else in the tracker holds state.
 */
final class Swarms {

  /** One announcing peer. */
  record Peer(
      String deviceId,
      InetSocketAddress address,
      String region,
      boolean uploads,
      boolean origin,
      long lastSeenMillis) {}

  private final Map<String, Map<String, Peer>> swarms = new ConcurrentHashMap<>();
  private final Clock clock;
  private final long expiryMillis;

  /** Peers that have not announced for {@code expiry} are gone. */
  Swarms(Clock clock, Duration expiry) {
    this.clock = clock;
    this.expiryMillis = expiry.toMillis();
  }

  /** Records the announce (or removes the peer on "stopped") and returns peers for it. */
  List<InetSocketAddress> announce(
      String infoHash, String peerKey, Peer peer, boolean stopped, int numwant) {
    Map<String, Peer> swarm = swarms.computeIfAbsent(infoHash, k -> new ConcurrentHashMap<>());
    if (stopped) {
      swarm.remove(peerKey);
      return List.of();
    }
    swarm.put(peerKey, peer);
    return select(swarm, peer, numwant);
  }

  long now() {
    return clock.millis();
  }

  private static final int RANKS = 4;

  /**
   * Origin seeders first (every entitled device may use them), then peers in the same /24, then the
   * same region, then the rest, shuffled within each group. Never the asking device itself, never a
   * peer that does not upload, never an expired one.
   *
   * <p>One pass over the swarm with no copy of it: per group a uniform random sample (reservoir) of
   * at most {@code numwant} peers, and nothing kept of a group that earlier groups already fill.
   */
  private List<InetSocketAddress> select(Map<String, Peer> swarm, Peer self, int numwant) {
    if (numwant <= 0) {
      return List.of();
    }
    long oldest = now() - expiryMillis;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    @SuppressWarnings("unchecked")
    List<Peer>[] samples = new List[RANKS];
    int[] seen = new int[RANKS];
    for (Peer p : swarm.values()) {
      if (p.lastSeenMillis() < oldest
          || !p.uploads()
          || p.deviceId().equals(self.deviceId())
          || p.address().equals(self.address())) {
        continue;
      }
      int rank = rank(p, self);
      int ahead = 0;
      for (int r = 0; r < rank; r++) {
        ahead += seen[r];
      }
      if (ahead >= numwant) {
        continue;
      }
      int k = seen[rank]++;
      if (samples[rank] == null) {
        samples[rank] = new ArrayList<>(Math.min(numwant, 64));
      }
      if (k < numwant) {
        samples[rank].add(p);
      } else {
        int j = random.nextInt(k + 1);
        if (j < numwant) {
          samples[rank].set(j, p);
        }
      }
    }
    List<InetSocketAddress> picked = new ArrayList<>(Math.min(numwant, 64));
    for (List<Peer> sample : samples) {
      if (sample == null) {
        continue;
      }
      Collections.shuffle(sample, random);
      for (Peer p : sample) {
        if (picked.size() == numwant) {
          return picked;
        }
        picked.add(p.address());
      }
    }
    return picked;
  }

  private static int rank(Peer peer, Peer self) {
    if (peer.origin()) {
      return 0;
    }
    if (sameSlash24(peer.address().getAddress(), self.address().getAddress())) {
      return 1;
    }
    if (!self.region().isEmpty() && self.region().equals(peer.region())) {
      return 2;
    }
    return 3;
  }

  static boolean sameSlash24(InetAddress a, InetAddress b) {
    if (!(a instanceof Inet4Address) || !(b instanceof Inet4Address)) {
      return false;
    }
    byte[] x = a.getAddress();
    byte[] y = b.getAddress();
    return x[0] == y[0] && x[1] == y[1] && x[2] == y[2];
  }

  /** Drops peers silent for two intervals; returns how many are left. */
  int purge() {
    long oldest = now() - expiryMillis;
    int left = 0;
    for (Map<String, Peer> swarm : swarms.values()) {
      swarm.values().removeIf(p -> p.lastSeenMillis() < oldest);
      left += swarm.size();
    }
    swarms.values().removeIf(Map::isEmpty);
    return left;
  }

  int activePeers() {
    long oldest = now() - expiryMillis;
    int n = 0;
    for (Map<String, Peer> swarm : swarms.values()) {
      n += activeIn(swarm, oldest);
    }
    return n;
  }

  /** Swarms (torrents) with at least one peer that announced within two intervals. */
  int activeSwarms() {
    long oldest = now() - expiryMillis;
    int n = 0;
    for (Map<String, Peer> swarm : swarms.values()) {
      if (activeIn(swarm, oldest) > 0) {
        n++;
      }
    }
    return n;
  }

  /** Per info hash with at least one active device: devices, and devices that offer uploads. */
  record Count(int peers, int uploadingPeers) {}

  /**
   * Active devices per swarm (announced within two intervals), each counted once even with two peer
   * ids (an agent restarted); the origin seeder not counted.
   */
  Map<String, Count> counts() {
    long oldest = now() - expiryMillis;
    Map<String, Count> counts = new java.util.HashMap<>();
    swarms.forEach(
        (infoHash, swarm) -> {
          Map<String, Boolean> devices = new java.util.HashMap<>();
          for (Peer p : swarm.values()) {
            if (p.lastSeenMillis() >= oldest && !p.origin()) {
              devices.merge(p.deviceId(), p.uploads(), Boolean::logicalOr);
            }
          }
          if (!devices.isEmpty()) {
            int uploading = (int) devices.values().stream().filter(u -> u).count();
            counts.put(infoHash, new Count(devices.size(), uploading));
          }
        });
    return counts;
  }

  private static int activeIn(Map<String, Peer> swarm, long oldest) {
    int n = 0;
    for (Peer p : swarm.values()) {
      if (p.lastSeenMillis() >= oldest) {
        n++;
      }
    }
    return n;
  }

  void forgetDevice(String deviceId) {
    swarms.values().forEach(s -> s.values().removeIf(p -> p.deviceId().equals(deviceId)));
  }
}
