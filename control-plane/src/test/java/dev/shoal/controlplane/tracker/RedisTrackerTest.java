package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.support.ApiTest;
import dev.shoal.controlplane.support.Http;
import dev.shoal.controlplane.support.RedisServer;
import dev.shoal.controlplane.support.SignedDevice;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** With spring.data.redis.url set, the tracker keeps its swarms in Redis, and health checks it. */
class RedisTrackerTest extends ApiTest {

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

  @Test
  void announcesGoToRedisAndARevokedDeviceLeavesIt() throws Exception {
    assertThat(swarms).isInstanceOf(RedisSwarms.class);
    PublishedPack pack = new PublishedPack(http(), organisations);
    SignedDevice kept = pack.device();
    SignedDevice revoked = pack.device();
    pack.grant(kept);
    pack.grant(revoked);
    assertThat(pack.announce(kept.passkey(), r -> r).failureReason()).isNull();
    assertThat(pack.announce(revoked.passkey(), r -> r).failureReason()).isNull();
    String key = RedisSwarms.PREFIX + pack.infoHash;
    assertThat(redis.<String, String>opsForHash().keys(key))
        .hasSize(2)
        .anyMatch(k -> k.startsWith(kept.id() + "/"))
        .anyMatch(k -> k.startsWith(revoked.id() + "/"));

    Http.Response deleted =
        http().send("DELETE", "/api/v1/devices/" + revoked.id(), pack.admin, null, null);
    assertThat(deleted.status()).isBetween(200, 299);
    assertThat(redis.<String, String>opsForHash().keys(key))
        .singleElement()
        .satisfies(k -> assertThat(k).startsWith(kept.id() + "/"));
  }

  @Test
  void healthIncludesRedisAndIsUp() {
    Http.Response health = http().get("/actuator/health", Http.Credentials.NONE);
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.json().get("status").asString()).isEqualTo("UP");
    assertThat(swarms.activeSwarms()).isGreaterThanOrEqualTo(0);
  }
}
