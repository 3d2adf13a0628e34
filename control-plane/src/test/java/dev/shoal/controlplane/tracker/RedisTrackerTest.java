package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.controlplane.support.OrganisationTest;
import dev.shoal.controlplane.support.PublishedPack;
import dev.shoal.controlplane.support.RedisServer;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.Response;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With spring.data.redis.url set, the tracker keeps its swarms in Redis, health checks it, and the
 * other nodes' revocations reach this node's caches.
 */
class RedisTrackerTest extends OrganisationTest {

  @BeforeAll
  static void redisServer() {
    RedisServer.shared(); // skips (or fails in CI) before the context is started without it
  }

  @DynamicPropertySource
  static void redis(DynamicPropertyRegistry registry) {
    registry.add("spring.data.redis.url", () -> RedisServer.shared().url());
  }

  @Autowired SwarmStore swarms;
  @Autowired StringRedisTemplate redis;
  @Autowired JdbcClient jdbc;

  @Test
  void announcesGoToRedisAndARevokedDeviceLeavesIt() throws Exception {
    assertThat(swarms).isInstanceOf(RedisSwarms.class);
    PublishedPack pack = new PublishedPack(http.as(admin), org.organisation().slug());
    Device kept = pack.device();
    Device revoked = pack.device();
    pack.grant(kept);
    pack.grant(revoked);
    assertThat(pack.announce(kept.passkey(), r -> r).failureReason()).isNull();
    assertThat(pack.announce(revoked.passkey(), r -> r).failureReason()).isNull();
    String key = RedisSwarms.PREFIX + pack.infoHash;
    assertThat(redis.<String, String>opsForHash().keys(key))
        .hasSize(2)
        .anyMatch(k -> k.startsWith(kept.deviceId() + "/"))
        .anyMatch(k -> k.startsWith(revoked.deviceId() + "/"));

    Response deleted =
        http().send("DELETE", "/api/v1/devices/" + revoked.deviceId(), admin, null, null);
    assertThat(deleted.status()).isBetween(200, 299);
    assertThat(redis.<String, String>opsForHash().keys(key))
        .singleElement()
        .satisfies(k -> assertThat(k).startsWith(kept.deviceId() + "/"));
  }

  /**
   * Another node revoked a device: its message reaches this node's tracker cache within a second,
   * well inside the 5 s cache TTL that would otherwise let the device announce on here.
   */
  @Test
  void aRevocationMadeOnAnotherNodeIsRefusedHereWithinASecond() throws Exception {
    PublishedPack pack = new PublishedPack(http.as(admin), org.organisation().slug());
    Device device = pack.device();
    pack.grant(device);
    assertThat(pack.announce(device.passkey(), r -> r).failureReason()).isNull();
    // What the other node's revocation wrote, unseen by this node's listeners:
    jdbc.sql("update devices set revoked_at = now() where id = ?")
        .param(device.deviceId())
        .update();
    assertThat(pack.announce(device.passkey(), r -> r).failureReason())
        .as("still served from this node's cache")
        .isNull();
    redis.convertAndSend("shoal:node-events", "another-node|device-revoked|" + device.deviceId());
    await()
        .atMost(Duration.ofSeconds(1))
        .untilAsserted(
            () ->
                assertThat(pack.announce(device.passkey(), r -> r).failureReason())
                    .isEqualTo("unknown or revoked passkey"));
  }

  @Test
  void anotherNodesOriginSeederIsAdmitted() throws Exception {
    PublishedPack pack = new PublishedPack(http.as(admin), org.organisation().slug());
    String seeder = "ab".repeat(20);
    assertThat(pack.announce(seeder, r -> r).failureReason())
        .isEqualTo("unknown or revoked passkey");
    new RedisSwarms(redis, java.time.Clock.systemUTC(), Duration.ofMinutes(1))
        .registerOriginPasskey(seeder); // what the other node does at start and every interval
    assertThat(pack.announce(seeder, r -> r).failureReason()).isNull();
  }

  @Test
  void healthIncludesRedisAndIsUp() {
    Response health = http().get("/actuator/health", ApiClient.Credentials.NONE);
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.json().get("status").asString()).isEqualTo("UP");
    assertThat(swarms.activeSwarms()).isGreaterThanOrEqualTo(0);
  }

  /**
   * The LAN endpoint a peer reports is kept in Redis and handed to a peer behind the same public
   * address (here both on loopback) instead of the announced one.
   */
  @Test
  void aLanEndpointIsKeptInRedisAndHandedToPeersBehindTheSameAddress() throws Exception {
    PublishedPack pack = new PublishedPack(http.as(admin), org.organisation().slug());
    Device first = pack.device();
    Device second = pack.device();
    pack.grant(first);
    pack.grant(second);
    assertThat(
            pack.announce(first.passkey(), "&lanip=127.0.0.1&lanport=7001", r -> r).failureReason())
        .isNull();
    assertThat(pack.announce(second.passkey(), r -> r).peers())
        .contains(new java.net.InetSocketAddress("127.0.0.1", 7001))
        .doesNotContain(new java.net.InetSocketAddress("127.0.0.1", 6881));
  }
}
