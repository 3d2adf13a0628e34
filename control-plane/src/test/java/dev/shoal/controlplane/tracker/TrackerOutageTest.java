package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.support.OrganisationTest;
import dev.shoal.controlplane.support.PublishedPack;
import dev.shoal.controlplane.support.RedisServer;
import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.protocol.torrent.AnnounceRequest.Event;
import dev.shoal.protocol.torrent.AnnounceResponse;
import dev.shoal.testsupport.Announces;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.Response;
import java.net.URI;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With the swarm store's Redis gone, an announce is answered 503 with Retry-After and a bencoded
 * {@code failure reason} (what a BitTorrent client reads), not with a 500 page.
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

    AnnounceRequest request = Announces.request(pack.infoHash, 6881, 1000, Event.NONE);
    Response answer =
        ApiClient.exchange(
            HttpRequest.newBuilder(
                    URI.create(
                        request.toUrl(
                            "http://localhost:" + port + "/" + device.passkey() + "/announce")))
                .build());
    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.headers().firstValue("Retry-After")).hasValue("5");
    assertThat(AnnounceResponse.decode(answer.bytes()).failureReason())
        .isEqualTo("tracker unavailable, retry later");
  }
}
