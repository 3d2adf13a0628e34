package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.support.RedisServer;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The swarm store contract against a real redis-server, and what only Redis has to say. */
class RedisSwarmsTest extends SwarmStoreContract {

  @RegisterExtension static final RedisServer.Connection redis = new RedisServer.Connection();

  @Override
  SwarmStore store(Clock clock) {
    redis
        .template()
        .execute(
            (org.springframework.data.redis.core.RedisCallback<Void>)
                connection -> {
                  connection.serverCommands().flushDb();
                  return null;
                });
    return new RedisSwarms(redis.template(), clock, EXPIRY);
  }

  @Test
  void aSwarmIsOneHashThatExpiresAsAWholeWhenNobodyAnnounces() {
    SwarmStore swarms = new RedisSwarms(redis.template(), clock, EXPIRY);
    swarms.announce(
        "12".repeat(20),
        "d/1",
        new SwarmStore.Peer(
            "d", new InetSocketAddress("10.1.1.2", 6881), "eu|west", true, false, true, 1234),
        false,
        50);
    String key = RedisSwarms.PREFIX + "12".repeat(20);
    assertThat(redis.template().<String, String>opsForHash().entries(key)).containsOnlyKeys("d/1");
    Long ttl = redis.template().getExpire(key, java.util.concurrent.TimeUnit.MILLISECONDS);
    assertThat(ttl).isBetween(EXPIRY.toMillis() - 5_000, EXPIRY.toMillis());
    assertThat(RedisSwarms.decode(redis.template().<String, String>opsForHash().values(key)))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.region()).as("free text survives").isEqualTo("eu|west");
              assertThat(p.seed()).isTrue();
              assertThat(p.lastSeenMillis()).isEqualTo(1234);
            });
  }

  /** The LAN endpoint rides in the address field; a value with a broken one is skipped. */
  @Test
  void aLanEndpointSurvivesEncodingAndABrokenOneIsSkipped() {
    SwarmStore.Peer peer =
        new SwarmStore.Peer(
            "d",
            new InetSocketAddress("198.51.100.2", 6881),
            "eu",
            true,
            false,
            false,
            1234,
            new InetSocketAddress("192.168.1.10", 7001));
    assertThat(RedisSwarms.decode(java.util.List.of(RedisSwarms.encode(peer))))
        .containsExactly(peer);
    assertThat(
            RedisSwarms.decode(
                java.util.List.of(
                    "1|1|0|0|6881|198.51.100.2;192.168.1.10;99999|d|eu",
                    "1|1|0|0|6881|198.51.100.2;not-an-ip;7001|d|eu",
                    "1|1|0|0|6881|198.51.100.2;192.168.1.10|d|eu")))
        .isEmpty();
  }

  /**
   * A hot swarm is sampled (an announce reads at most {@link RedisSwarms#SAMPLE} peers, not the
   * whole swarm), and the origin seeder is in every answer all the same.
   */
  @Test
  void aLargeSwarmIsSampledAndTheOriginSeederIsAlwaysHandedOut() {
    SwarmStore swarms = new RedisSwarms(redis.template(), clock, EXPIRY);
    String hash = "56".repeat(20);
    InetSocketAddress seeder = new InetSocketAddress("10.9.9.9", 6881);
    swarms.announce(
        hash,
        "origin/1",
        new SwarmStore.Peer("origin", seeder, "", true, true, true, clock.millis()),
        false,
        50);
    java.util.Map<String, String> crowd = new java.util.HashMap<>();
    for (int i = 0; i < 5_000; i++) {
      SwarmStore.Peer peer =
          new SwarmStore.Peer(
              "d" + i,
              new InetSocketAddress("10.2." + (i / 250) + "." + (i % 250 + 1), 6881),
              "",
              true,
              false,
              false,
              clock.millis());
      crowd.put("d" + i + "/1", RedisSwarms.encode(peer));
    }
    redis.template().opsForHash().putAll(RedisSwarms.PREFIX + hash, crowd);
    for (int i = 0; i < 20; i++) {
      List<InetSocketAddress> peers =
          swarms.announce(
              hash,
              "asker/" + i,
              new SwarmStore.Peer(
                  "asker" + i,
                  new InetSocketAddress("10.3.0." + (i + 1), 6881),
                  "",
                  true,
                  false,
                  false,
                  clock.millis()),
              false,
              50);
      assertThat(peers).hasSize(50).contains(seeder).doesNotHaveDuplicates();
    }
  }

  @Test
  void twoNodesShareOneSwarm() {
    SwarmStore nodeA = new RedisSwarms(redis.template(), clock, EXPIRY);
    SwarmStore nodeB = new RedisSwarms(redis.template(), clock, EXPIRY);
    String hash = "34".repeat(20);
    nodeA.announce(
        hash,
        "a/1",
        new SwarmStore.Peer(
            "a", new InetSocketAddress("10.1.1.2", 6881), "", true, false, false, clock.millis()),
        false,
        50);
    List<InetSocketAddress> peers =
        nodeB.announce(
            hash,
            "b/1",
            new SwarmStore.Peer(
                "b",
                new InetSocketAddress("10.1.1.3", 6881),
                "",
                true,
                false,
                false,
                clock.millis()),
            false,
            50);
    assertThat(peers).containsExactly(new InetSocketAddress("10.1.1.2", 6881));

    nodeA.registerOriginPasskey("node-a-seeder");
    assertThat(nodeB.isOriginPasskey("node-a-seeder")).as("admitted by every node").isTrue();
    assertThat(redis.template().keys(RedisSwarms.ORIGIN_PREFIX + "*"))
        .singleElement()
        .satisfies(k -> assertThat(k).doesNotContain("node-a-seeder"));
  }

  /**
   * Counting and pruning a hot swarm never read it whole: a million-peer hash moved to every node
   * at every metrics scrape, or scanned in one script that stops Redis for seconds, held up every
   * announce of the fleet. Redis's own command statistics say which commands ran.
   */
  @Test
  void aHotSwarmIsCountedAndPrunedWithoutReadingItWhole() {
    SwarmStore swarms = store(clock);
    for (int i = 0; i < 3_000; i++) {
      swarms.announce(
          HASH_HOT,
          "d" + i + "/1",
          new SwarmStore.Peer(
              "d" + i,
              new InetSocketAddress("10.2." + (i / 250) + "." + (i % 250 + 1), 6881),
              "",
              true,
              false,
              false,
              swarms.now()),
          false,
          50);
    }
    resetCommandStats();
    assertThat(swarms.counts()).containsKey(HASH_HOT);
    swarms.activePeers();
    swarms.activeSwarms();
    clock.now = clock.now.plusSeconds(61);
    assertThat(swarms.purge()).isZero();
    swarms.forgetDevice("d1");

    java.util.Properties stats = commandStats();
    assertThat(stats).doesNotContainKeys("cmdstat_hvals", "cmdstat_scan");
    assertThat(stats).containsKey("cmdstat_hscan");
    // The one HGETALL is of the origin seeders' small hash, read with the census's sample.
    assertThat(calls(stats, "cmdstat_hgetall")).isLessThanOrEqualTo(1);
  }

  private static int calls(java.util.Properties stats, String command) {
    String line = stats.getProperty(command, "calls=0,");
    return Integer.parseInt(line.substring("calls=".length(), line.indexOf(',')));
  }

  private static final String HASH_HOT = "9a".repeat(20);

  private static void resetCommandStats() {
    redis
        .template()
        .execute(
            (org.springframework.data.redis.core.RedisCallback<Void>)
                connection -> {
                  connection.serverCommands().resetConfigStats();
                  return null;
                });
  }

  private static java.util.Properties commandStats() {
    return redis
        .template()
        .execute(
            (org.springframework.data.redis.core.RedisCallback<java.util.Properties>)
                connection -> connection.serverCommands().info("commandstats"));
  }
}
