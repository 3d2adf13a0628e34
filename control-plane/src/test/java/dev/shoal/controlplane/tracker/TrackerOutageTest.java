package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.support.OrganisationTest;
import dev.shoal.controlplane.support.PublishedPack;
import dev.shoal.controlplane.support.RedisServer;
import dev.shoal.testsupport.Device;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With the swarm store's Redis gone, an announce is answered as a tracker answers a failure (HTTP
 * 200, a bencoded {@code failure reason} the client retries after), not with a 500 page.
 */
@DirtiesContext
class TrackerOutageTest extends OrganisationTest {

  private static RedisServer redis;

  @BeforeAll
  static void redisServer() {
    redis = RedisServer.own();
  }

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry registry) {
    registry.add("spring.data.redis.url", () -> redis.url());
    registry.add("spring.data.redis.timeout", () -> "2s");
  }

  @Test
  void anAnnounceWhileRedisIsAwayIsABencodedFailure() throws Exception {
    PublishedPack pack = new PublishedPack(http.as(admin), org.organisation().slug());
    Device device = pack.device();
    pack.grant(device);
    assertThat(pack.announce(device.passkey(), r -> r).failureReason()).isNull();

    redis.stop();

    assertThat(pack.announce(device.passkey(), r -> r).failureReason())
        .isEqualTo("tracker unavailable, retry later");
  }
}
