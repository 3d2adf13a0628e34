package dev.shoal.controlplane.tracker;

import dev.shoal.controlplane.tracker.SwarmStore.Peer;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * One swarm in a node's memory. Peers sit in an array, so that an announce reads a random sample of
 * a hot swarm instead of all of it (as the Redis store does), and are indexed by public address, so
 * that the peers behind the asker's own address (its LAN) and the origin seeders are always among
 * the candidates, however large the swarm.
 */
final class MemorySwarm {
  private final Map<String, Integer> slots = new HashMap<>();
  private final List<String> keys = new ArrayList<>();
  private final List<Peer> peers = new ArrayList<>();
  private final Map<InetAddress, Map<String, Peer>> byAddress = new HashMap<>();
  private final Map<String, Peer> origins = new HashMap<>();

  synchronized void put(String key, Peer peer) {
    Integer slot = slots.get(key);
    if (slot == null) {
      slots.put(key, peers.size());
      keys.add(key);
      peers.add(peer);
    } else {
      unindex(key, peers.get(slot));
      peers.set(slot, peer);
    }
    byAddress.computeIfAbsent(address(peer), a -> new HashMap<>()).put(key, peer);
    if (peer.origin()) {
      origins.put(key, peer);
    }
  }

  synchronized void remove(String key) {
    Integer slot = slots.remove(key);
    if (slot == null) {
      return;
    }
    unindex(key, peers.get(slot));
    int last = peers.size() - 1;
    if (slot != last) {
      keys.set(slot, keys.get(last));
      peers.set(slot, peers.get(last));
      slots.put(keys.get(slot), slot);
    }
    keys.remove(last);
    peers.remove(last);
  }

  /** Removes the peers {@code gone} matches; returns how many are left. */
  synchronized int removeIf(Predicate<Peer> gone) {
    for (int i = peers.size() - 1; i >= 0; i--) {
      if (gone.test(peers.get(i))) {
        remove(keys.get(i));
      }
    }
    return peers.size();
  }

  /**
   * What {@link PeerSelection} chooses from for {@code self}: the whole swarm up to twice {@code
   * sample} peers; beyond that the origin seeders, the peers at {@code self}'s address (if they are
   * at most {@code sample}) and {@code sample} others drawn uniformly at random.
   */
  synchronized List<Peer> candidates(Peer self, int sample) {
    int n = peers.size();
    if (n <= 2 * sample) {
      return new ArrayList<>(peers);
    }
    InetAddress own = address(self);
    List<Peer> out = new ArrayList<>(origins.values());
    Map<String, Peer> here = byAddress.getOrDefault(own, Map.of());
    // More than a sample behind one address is a carrier's NAT, not a LAN: sampled like the rest.
    boolean lan = here.size() <= sample;
    if (lan) {
      out.addAll(here.values());
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    Set<Integer> drawn = new HashSet<>();
    // At most half the swarm is drawn, so each draw is new with probability >= 1/2.
    while (drawn.size() < sample) {
      int i = random.nextInt(n);
      if (drawn.add(i)) {
        Peer p = peers.get(i);
        if (!p.origin() && !(lan && address(p).equals(own))) {
          out.add(p);
        }
      }
    }
    return out;
  }

  synchronized List<Peer> at(InetAddress address) {
    return new ArrayList<>(byAddress.getOrDefault(address, Map.of()).values());
  }

  synchronized List<Peer> all() {
    return new ArrayList<>(peers);
  }

  synchronized boolean isEmpty() {
    return peers.isEmpty();
  }

  private void unindex(String key, Peer peer) {
    InetAddress a = address(peer);
    Map<String, Peer> here = byAddress.get(a);
    if (here != null) {
      here.remove(key);
      if (here.isEmpty()) {
        byAddress.remove(a);
      }
    }
    origins.remove(key);
  }

  private static InetAddress address(Peer peer) {
    return peer.address().getAddress();
  }
}
