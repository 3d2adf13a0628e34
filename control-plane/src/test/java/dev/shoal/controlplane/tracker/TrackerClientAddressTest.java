package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.support.OrganisationTest;
import dev.shoal.controlplane.support.PublishedPack;
import dev.shoal.testsupport.Device;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * Behind a trusted proxy (here: the test itself, on loopback) the tracker hands out the address the
 * proxy names, not the proxy's, and not what the client wrote into the header itself.
 */
@TestPropertySource(properties = "shoal.trusted-proxies=127.0.0.1,::1")
class TrackerClientAddressTest extends OrganisationTest {

  private PublishedPack pack;

  @BeforeEach
  void publishedPack() {
    pack = new PublishedPack(http.as(admin), org.organisation().slug());
  }

  @Test
  void peersAreHandedOutAtTheRightMostAddressTheTrustedProxyNames() throws Exception {
    Device behindBalancer = pack.device();
    Device asking = pack.device();
    pack.grant(behindBalancer);
    pack.grant(asking);
    assertThat(
            pack.announce(
                    behindBalancer.passkey(),
                    r -> r.header("X-Forwarded-For", "6.6.6.6, 198.51.100.7"))
                .failureReason())
        .isNull();
    assertThat(pack.announce(asking.passkey(), r -> r).peers())
        .extracting(InetSocketAddress::getHostString)
        .contains("198.51.100.7")
        .doesNotContain("6.6.6.6", "127.0.0.1");
  }
}
