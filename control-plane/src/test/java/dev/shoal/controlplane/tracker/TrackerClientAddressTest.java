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

  /**
   * Two players behind one home router (the tracker sees one public address) get each other's LAN
   * address; a player elsewhere gets the public one. A LAN address outside the private ranges is
   * ignored.
   */
  @Test
  void playersBehindOnePublicAddressAreHandedEachOthersLanAddress() throws Exception {
    Device first = pack.device();
    Device second = pack.device();
    Device outside = pack.device();
    Device liar = pack.device();
    for (Device d : java.util.List.of(first, second, outside, liar)) {
      pack.grant(d);
    }
    assertThat(
            pack.announce(
                    first.passkey(),
                    "&lanip=192.168.1.10&lanport=7001",
                    r -> r.header("X-Forwarded-For", "198.51.100.2"))
                .failureReason())
        .isNull();
    pack.announce(
        liar.passkey(),
        "&lanip=203.0.113.66&lanport=7002",
        r -> r.header("X-Forwarded-For", "198.51.100.2"));
    assertThat(
            pack.announce(
                    second.passkey(),
                    "&lanip=192.168.1.11&lanport=6881",
                    r -> r.header("X-Forwarded-For", "198.51.100.2"))
                .peers())
        .containsExactlyInAnyOrder(
            new InetSocketAddress("192.168.1.10", 7001),
            new InetSocketAddress("198.51.100.2", 6881));
    assertThat(
            pack.announce(outside.passkey(), r -> r.header("X-Forwarded-For", "203.0.113.9"))
                .peers())
        .extracting(InetSocketAddress::getHostString)
        .containsOnly("198.51.100.2")
        .hasSize(3);
  }
}
