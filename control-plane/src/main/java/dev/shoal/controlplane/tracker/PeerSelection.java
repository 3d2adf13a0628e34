package dev.shoal.controlplane.tracker;

import dev.shoal.controlplane.tracker.SwarmStore.Count;
import dev.shoal.controlplane.tracker.SwarmStore.Peer;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** What both swarm stores do with the peers of one swarm once they have them. */
final class PeerSelection {

  private static final int RANKS = 5;

  /** The most peers a swarm store reads for one announce (both stores sample larger swarms). */
  static final int MAX_SAMPLE = 512;

  private PeerSelection() {}

  /**
   * How many peers a store samples for an announce wanting {@code numwant}: twice that, so that
   * locality (same /24, same region) has some to choose from, and few enough that an announce to a
   * swarm of a million costs what one to a swarm of a few hundred does (reading a random sample is
   * most of an announce's cost in Redis).
   */
  static int sample(int numwant) {
    return Math.min(MAX_SAMPLE, Math.max(128, 2 * numwant));
  }

  /**
   * Origin seeders first (every entitled device may use them), then peers behind the same public
   * address (a LAN: handed out at their private address when they reported one), then peers in the
   * same /24, then the same region, then the rest, shuffled within each group. Never the asking
   * device itself, never a peer that does not upload, never one last seen before {@code oldest},
   * never a seed to a seed.
   *
   * <p>One pass over the swarm with no copy of it: per group a uniform random sample (reservoir) of
   * at most {@code numwant} peers, and nothing kept of a group that earlier groups already fill.
   */
  static List<InetSocketAddress> select(Iterable<Peer> swarm, Peer self, int numwant, long oldest) {
    if (numwant <= 0) {
      return List.of();
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    @SuppressWarnings("unchecked")
    List<Peer>[] samples = new List[RANKS];
    int[] seen = new int[RANKS];
    for (Peer p : swarm) {
      if (p.lastSeenMillis() < oldest
          || !p.uploads()
          || (self.seed() && p.seed())
          || p.deviceId().equals(self.deviceId())
          // The same endpoint is the asker itself (another peer id of it); two players on one LAN
          // announce the same public address and often the same port, told apart by their LAN ones.
          || (p.address().equals(self.address())
              && java.util.Objects.equals(p.lan(), self.lan()))) {
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
        picked.add(p.addressFor(self));
      }
    }
    return picked;
  }

  private static int rank(Peer peer, Peer self) {
    if (peer.origin()) {
      return 0;
    }
    if (peer.address().getAddress().equals(self.address().getAddress())) {
      return 1;
    }
    if (sameSlash24(peer.address().getAddress(), self.address().getAddress())) {
      return 2;
    }
    if (!self.region().isEmpty() && self.region().equals(peer.region())) {
      return 3;
    }
    return 4;
  }

  static boolean sameSlash24(InetAddress a, InetAddress b) {
    if (!(a instanceof Inet4Address) || !(b instanceof Inet4Address)) {
      return false;
    }
    byte[] x = a.getAddress();
    byte[] y = b.getAddress();
    return x[0] == y[0] && x[1] == y[1] && x[2] == y[2];
  }

  /** Peers of one swarm last seen at or after {@code oldest}. */
  static int active(Iterable<Peer> swarm, long oldest) {
    int n = 0;
    for (Peer p : swarm) {
      if (p.lastSeenMillis() >= oldest) {
        n++;
      }
    }
    return n;
  }

  /** The active devices of one swarm, each once, the origin seeder not counted; null if none. */
  static Count count(Iterable<Peer> swarm, long oldest) {
    Map<String, Boolean> devices = new HashMap<>();
    for (Peer p : swarm) {
      if (p.lastSeenMillis() >= oldest && !p.origin()) {
        devices.merge(p.deviceId(), p.uploads(), Boolean::logicalOr);
      }
    }
    if (devices.isEmpty()) {
      return null;
    }
    int uploading = (int) devices.values().stream().filter(u -> u).count();
    return new Count(devices.size(), uploading);
  }

  /** The active devices (not origin seeders) of one swarm that announced from {@code address}. */
  static Set<String> devicesAt(Iterable<Peer> swarm, InetAddress address, long oldest) {
    Set<String> devices = new HashSet<>();
    for (Peer p : swarm) {
      if (p.lastSeenMillis() >= oldest && !p.origin() && p.address().getAddress().equals(address)) {
        devices.add(p.deviceId());
      }
    }
    return devices;
  }
}
