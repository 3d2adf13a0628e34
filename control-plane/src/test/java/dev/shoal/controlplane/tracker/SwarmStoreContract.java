package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What every swarm store does, in memory or in Redis: peer selection and expiry, on a clock the
 * test moves. Peers expire after 60 s.
 */
abstract class SwarmStoreContract {

  private static final String HASH = "ab".repeat(20);

  static final class TestClock extends Clock {
    Instant now = Instant.parse("2030-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  static final Duration EXPIRY = Duration.ofSeconds(60);

  final TestClock clock = new TestClock();
  private final SwarmStore swarms = store(clock);

  private List<InetSocketAddress> announce(String hash, String device, String ip, Peering how) {
    return swarms.announce(
        hash,
        device,
        new SwarmStore.Peer(
            device,
            new InetSocketAddress(ip, 6881),
            "",
            how != Peering.NO_UPLOADS,
            false,
            how == Peering.SEED,
            swarms.now()),
        how == Peering.STOPPED,
        50);
  }

  private enum Peering {
    LEECH,
    SEED,
    NO_UPLOADS,
    STOPPED
  }

  /** A new, empty store whose peers expire after {@link #EXPIRY}. */
  abstract SwarmStore store(Clock clock);

  private List<InetSocketAddress> announce(
      String device, String ip, String region, boolean uploads, boolean origin) {
    InetSocketAddress address = new InetSocketAddress(ip, 6881);
    return swarms.announce(
        HASH,
        device,
        new SwarmStore.Peer(device, address, region, uploads, origin, false, swarms.now()),
        false,
        50);
  }

  @Test
  void originThenSameSubnetThenSameRegionThenTheRest() {
    announce("far", "10.9.9.9", "us", true, false);
    announce("region", "10.8.8.8", "eu", true, false);
    announce("subnet", "10.1.1.7", "us", true, false);
    announce("origin", "10.5.5.5", "", true, true);
    List<InetSocketAddress> peers = announce("me", "10.1.1.9", "eu", true, false);
    assertThat(peers)
        .extracting(p -> p.getAddress().getHostAddress())
        .containsExactly("10.5.5.5", "10.1.1.7", "10.8.8.8", "10.9.9.9");
  }

  @Test
  void devicesAtAnAddressAreThoseThatAnnouncedFromItRecently() throws Exception {
    InetAddress here = InetAddress.getByName("10.1.1.2");
    announce("a", "10.1.1.2", "", false, false);
    announce("b", "10.1.1.2", "", true, false);
    announce("elsewhere", "10.1.1.3", "", true, false);
    announce("origin", "10.1.1.2", "", true, true);
    assertThat(swarms.devicesAt(HASH, here)).containsExactlyInAnyOrder("a", "b");
    assertThat(swarms.devicesAt("cd".repeat(20), here)).isEmpty();
    announce(HASH, "b", "10.1.1.2", Peering.STOPPED);
    assertThat(swarms.devicesAt(HASH, here)).containsExactly("a");
    clock.now = clock.now.plusSeconds(61);
    assertThat(swarms.devicesAt(HASH, here)).isEmpty();
  }

  @Test
  void peersWithoutUploadConsentAreNeverHandedOut() {
    announce("shy", "10.1.1.2", "", false, false);
    List<InetSocketAddress> peers = announce("me", "10.1.1.3", "", true, false);
    assertThat(peers).isEmpty();
    assertThat(announce("shy", "10.1.1.2", "", false, false))
        .as("but they get peers themselves")
        .extracting(p -> p.getAddress().getHostAddress())
        .containsExactly("10.1.1.3");
  }

  @Test
  void silentPeersExpireAfterTwoIntervalsAndRevokedDevicesAtOnce() {
    announce("old", "10.1.1.2", "", true, false);
    clock.now = clock.now.plusSeconds(61);
    assertThat(announce("me", "10.1.1.3", "", true, false)).isEmpty();
    assertThat(swarms.purge()).isEqualTo(1);
    announce("gone", "10.1.1.4", "", true, false);
    swarms.forgetDevice("gone");
    assertThat(announce("me", "10.1.1.3", "", true, false)).isEmpty();
    assertThat(swarms.activePeers()).isEqualTo(1);
  }

  @Test
  void aSwarmCountsAsActiveWhileOneOfItsPeersIs() {
    String other = "cd".repeat(20);
    announce("a", "10.1.1.2", "", true, false);
    swarms.announce(
        other,
        "b",
        new SwarmStore.Peer(
            "b", new InetSocketAddress("10.1.1.3", 6881), "", true, false, false, swarms.now()),
        false,
        50);
    assertThat(swarms.activeSwarms()).isEqualTo(2);
    clock.now = clock.now.plusSeconds(61);
    announce("a", "10.1.1.2", "", true, false);
    assertThat(swarms.activeSwarms()).as("the other swarm's only peer went silent").isEqualTo(1);
    assertThat(swarms.activePeers()).isEqualTo(1);
  }

  private List<InetSocketAddress> announce(String device, String ip, String region, int numwant) {
    return swarms.announce(
        HASH,
        device,
        new SwarmStore.Peer(
            device, new InetSocketAddress(ip, 6881), region, true, false, false, swarms.now()),
        false,
        numwant);
  }

  @Test
  void aLargeSwarmGivesNumwantPeersBestGroupsFirstAndARandomSampleWithinAGroup() {
    for (int i = 0; i < 200; i++) {
      announce("far" + i, "10.9." + (i / 200) + "." + (i % 200 + 1), "us", 1);
    }
    for (int i = 0; i < 30; i++) {
      announce("subnet" + i, "10.1.1." + (i + 10), "us", 1);
    }
    java.util.Set<String> farSeen = new java.util.HashSet<>();
    for (int round = 0; round < 20; round++) {
      List<String> picked =
          announce("me", "10.1.1.1", "eu", 50).stream()
              .map(p -> p.getAddress().getHostAddress())
              .toList();
      assertThat(picked).hasSize(50).doesNotHaveDuplicates();
      assertThat(picked.subList(0, 30)).allMatch(ip -> ip.startsWith("10.1.1."));
      assertThat(picked.subList(30, 50)).allMatch(ip -> ip.startsWith("10.9."));
      farSeen.addAll(picked.subList(30, 50));
    }
    // 20 rounds of 20 out of 200: a fixed choice would show 20; a uniform one about 176.
    assertThat(farSeen.size()).isGreaterThan(100);
    assertThat(announce("me", "10.1.1.1", "eu", 0)).isEmpty();
    assertThat(announce("me", "10.1.1.1", "eu", 5))
        .hasSize(5)
        .allMatch(p -> p.getAddress().getHostAddress().startsWith("10.1.1."));
  }

  private static List<String> ips(List<InetSocketAddress> peers) {
    return peers.stream().map(p -> p.getAddress().getHostAddress()).toList();
  }

  @Test
  void seedsAreNotHandedToSeedsButToLeechers() {
    announce(HASH, "seed1", "10.1.1.2", Peering.SEED);
    announce(HASH, "leech", "10.1.1.3", Peering.LEECH);
    assertThat(ips(announce(HASH, "seed2", "10.1.1.4", Peering.SEED))).containsExactly("10.1.1.3");
    assertThat(ips(announce(HASH, "leech2", "10.1.1.5", Peering.LEECH)))
        .containsExactlyInAnyOrder("10.1.1.2", "10.1.1.3", "10.1.1.4");
  }

  @Test
  void aDeviceWithoutUploadConsentIsNeverHandedOutEvenAsASeed() {
    announce(HASH, "shy", "10.1.1.2", Peering.NO_UPLOADS);
    assertThat(announce(HASH, "me", "10.1.1.3", Peering.LEECH)).isEmpty();
    assertThat(swarms.counts().get(HASH)).isEqualTo(new SwarmStore.Count(2, 1));
  }

  @Test
  void aStoppedPeerLeavesAtOnceAndSwarmsAreApart() {
    String other = "ef".repeat(20);
    announce(HASH, "a", "10.1.1.2", Peering.LEECH);
    announce(other, "b", "10.1.1.3", Peering.LEECH);
    assertThat(ips(announce(HASH, "c", "10.1.1.4", Peering.LEECH))).containsExactly("10.1.1.2");
    announce(HASH, "a", "10.1.1.2", Peering.STOPPED);
    assertThat(announce(HASH, "c", "10.1.1.4", Peering.LEECH)).isEmpty();
    assertThat(swarms.activePeers()).isEqualTo(2);
    assertThat(swarms.counts()).containsOnlyKeys(HASH, other);
  }

  @Test
  void aPeerThatAnnouncesAgainBeforeExpiryStays() {
    announce(HASH, "a", "10.1.1.2", Peering.LEECH);
    clock.now = clock.now.plusSeconds(50);
    announce(HASH, "a", "10.1.1.2", Peering.LEECH);
    clock.now = clock.now.plusSeconds(50);
    assertThat(swarms.purge()).isEqualTo(1);
    assertThat(ips(announce(HASH, "b", "10.1.1.3", Peering.LEECH))).containsExactly("10.1.1.2");
  }

  @Test
  void aRegisteredOriginPasskeyIsKnownAndOthersAreNot() {
    swarms.registerOriginPasskey("seeder-passkey");
    assertThat(swarms.isOriginPasskey("seeder-passkey")).isTrue();
    assertThat(swarms.isOriginPasskey("device-passkey")).isFalse();
  }

  private List<InetSocketAddress> announceFromLan(String device, String publicIp, String lanIp) {
    return swarms.announce(
        HASH,
        device,
        new SwarmStore.Peer(
            device,
            new InetSocketAddress(publicIp, 6881),
            "",
            true,
            false,
            false,
            swarms.now(),
            lanIp == null ? null : new InetSocketAddress(lanIp, 6881)),
        false,
        50);
  }

  @Test
  void peersBehindTheSamePublicAddressGetEachOthersLanAddressAndOthersThePublicOne() {
    announceFromLan("outside", "198.51.100.9", "192.168.7.2");
    announceFromLan("first", "198.51.100.2", "192.168.1.10");
    // Same public address and port: not taken for the asker itself, told apart by the LAN ones.
    assertThat(announceFromLan("second", "198.51.100.2", "192.168.1.11"))
        .as("the LAN neighbour first, at its private address; the outsider at its public one")
        .containsExactly(
            new InetSocketAddress("192.168.1.10", 6881),
            new InetSocketAddress("198.51.100.9", 6881));
    assertThat(announceFromLan("elsewhere", "203.0.113.4", null))
        .containsExactlyInAnyOrder(
            new InetSocketAddress("198.51.100.9", 6881),
            new InetSocketAddress("198.51.100.2", 6881),
            new InetSocketAddress("198.51.100.2", 6881));
  }

  /**
   * A swarm far larger than one announce reads: the store samples it, and still every answer holds
   * the origin seeder and the asker's LAN neighbour (at its private address), ahead of the rest.
   */
  @Test
  void aHotSwarmIsSampledButTheOriginAndTheLanNeighbourAreInEveryAnswer() {
    announce("origin", "10.200.0.1", "", true, true);
    for (int i = 0; i < 3_000; i++) {
      announce("crowd" + i, "10.2." + (i / 250) + "." + (i % 250 + 1), "", true, false);
    }
    announceFromLan("neighbour", "198.51.100.2", "192.168.1.10");
    java.util.Set<InetSocketAddress> crowdSeen = new java.util.HashSet<>();
    for (int round = 0; round < 20; round++) {
      // A second apart: a node may reuse its sample of a hot swarm for a second (RedisSwarms).
      clock.now = clock.now.plusSeconds(1);
      List<InetSocketAddress> picked = announceFromLan("me", "198.51.100.2", "192.168.1.11");
      assertThat(picked).hasSize(50).doesNotHaveDuplicates();
      assertThat(picked.subList(0, 2))
          .containsExactly(
              new InetSocketAddress("10.200.0.1", 6881),
              new InetSocketAddress("192.168.1.10", 6881));
      crowdSeen.addAll(picked.subList(2, 50));
    }
    // 20 rounds of 48 out of 3,000: a fixed choice would show 48; a uniform one about 860.
    assertThat(crowdSeen.size()).isGreaterThan(400);
  }

  /**
   * A hot swarm's figures: counted within a few per cent (a Redis store counts from a random sample
   * of it), and its expired peers pruned like a small swarm's.
   */
  @Test
  void aHotSwarmIsCountedWithinAFewPerCentAndItsExpiredPeersArePruned() {
    for (int i = 0; i < 1_500; i++) {
      announce("gone" + i, "10.3." + (i / 250) + "." + (i % 250 + 1), "", true, false);
    }
    clock.now = clock.now.plusSeconds(61);
    for (int i = 0; i < 3_000; i++) {
      announce("crowd" + i, "10.2." + (i / 250) + "." + (i % 250 + 1), "", i % 3 != 0, false);
    }
    SwarmStore.Count count = swarms.counts().get(HASH);
    assertThat(count.peers()).isCloseTo(3_000, org.assertj.core.data.Percentage.withPercentage(15));
    assertThat(count.uploadingPeers())
        .isCloseTo(2_000, org.assertj.core.data.Percentage.withPercentage(20));
    assertThat(swarms.activePeers())
        .isCloseTo(3_000, org.assertj.core.data.Percentage.withPercentage(15));

    assertThat(swarms.purge()).isEqualTo(3_000);
    clock.now = clock.now.plusSeconds(1);
    assertThat(swarms.counts().get(HASH).peers()).as("every peer left is active").isEqualTo(3_000);
  }
}
