package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.tracker.SwarmStore.Peer;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MemorySwarmTest {

  private static Peer peer(int i) {
    return new Peer(
        "d" + i,
        new InetSocketAddress("10.3." + (i / 250) + "." + (i % 250 + 1), 6881),
        "",
        true,
        false,
        false,
        i);
  }

  /** Puts, replacements and removals in random order keep the array, its slots and the index. */
  @Test
  void randomPutsAndRemovalsLeaveExactlyThePeersStillIn() {
    MemorySwarm swarm = new MemorySwarm();
    Map<String, Peer> expected = new HashMap<>();
    Random random = new Random(7);
    for (int step = 0; step < 20_000; step++) {
      int i = random.nextInt(500);
      String key = "d" + i + "/1";
      if (random.nextInt(3) == 0) {
        swarm.remove(key);
        expected.remove(key);
      } else {
        swarm.put(key, peer(i));
        expected.put(key, peer(i));
      }
    }
    assertThat(swarm.all()).containsExactlyInAnyOrderElementsOf(expected.values());
    int left = swarm.removeIf(p -> p.lastSeenMillis() % 2 == 0);
    expected.values().removeIf(p -> p.lastSeenMillis() % 2 == 0);
    assertThat(left).isEqualTo(expected.size());
    assertThat(swarm.all()).containsExactlyInAnyOrderElementsOf(expected.values());
    Peer some = expected.values().iterator().next();
    assertThat(swarm.at(some.address().getAddress())).containsExactly(some);
  }

  @Test
  void anAnnounceToAHotSwarmReadsASampleNotTheSwarm() {
    MemorySwarm swarm = new MemorySwarm();
    for (int i = 0; i < 50_000; i++) {
      swarm.put("d" + i + "/1", peer(i));
    }
    Peer self = peer(60_000);
    assertThat(swarm.candidates(self, 200)).hasSize(200).doesNotHaveDuplicates();
    MemorySwarm small = new MemorySwarm();
    for (int i = 0; i < 300; i++) {
      small.put("d" + i + "/1", peer(i));
    }
    assertThat(small.candidates(self, 200)).as("up to twice the sample: all").hasSize(300);
  }

  @Test
  void thousandsBehindOneAddressAreACarriersNatAndSampledLikeTheRest() {
    MemorySwarm swarm = new MemorySwarm();
    InetSocketAddress nat = new InetSocketAddress("100.64.0.1", 6881);
    for (int i = 0; i < 50_000; i++) {
      swarm.put("d" + i + "/1", new Peer("d" + i, nat, "", true, false, false, i));
    }
    Peer self = new Peer("me", nat, "", true, false, false, 0);
    assertThat(swarm.candidates(self, 200)).hasSize(200).doesNotHaveDuplicates();
  }
}
