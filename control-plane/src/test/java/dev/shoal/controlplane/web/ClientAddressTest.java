package dev.shoal.controlplane.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.controlplane.config.Cidr;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** Forwarding headers count only from trusted proxies, and then only their right-most hops. */
class ClientAddressTest {

  private static final ClientAddress BEHIND_BALANCER =
      new ClientAddress(List.of(Cidr.of("10.0.0.0/8"), Cidr.of("2001:db8:ffff::/48")));

  private static String xff(ClientAddress resolver, String remote, String... headers) {
    return resolver.resolve(remote, List.of(), List.of(headers));
  }

  @Test
  void aSpoofedHeaderFromAnUntrustedSourceIsIgnored() {
    assertThat(xff(BEHIND_BALANCER, "203.0.113.9", "198.51.100.1")).isEqualTo("203.0.113.9");
    assertThat(BEHIND_BALANCER.resolve("203.0.113.9", List.of("for=198.51.100.1"), List.of()))
        .isEqualTo("203.0.113.9");
    ClientAddress trustingNobody = new ClientAddress(List.of());
    assertThat(xff(trustingNobody, "10.0.0.1", "198.51.100.1")).isEqualTo("10.0.0.1");
  }

  @Test
  void fromATrustedProxyTheRightMostUntrustedHopIsTheClient() {
    assertThat(xff(BEHIND_BALANCER, "10.0.0.1", "198.51.100.1")).isEqualTo("198.51.100.1");
    assertThat(xff(BEHIND_BALANCER, "10.0.0.1", "6.6.6.6, 198.51.100.1, 10.2.3.4"))
        .as("what the client wrote left of its own address is ignored; inner proxies skipped")
        .isEqualTo("198.51.100.1");
    assertThat(xff(BEHIND_BALANCER, "10.0.0.1", "6.6.6.6", "198.51.100.1:4711, 10.2.3.4"))
        .as("several header lines are one list, in order; a port is dropped")
        .isEqualTo("198.51.100.1");
    assertThat(xff(BEHIND_BALANCER, "10.0.0.1", "10.9.9.9, 10.2.3.4"))
        .as("all hops trusted: the left-most")
        .isEqualTo("10.9.9.9");
    assertThat(xff(BEHIND_BALANCER, "10.0.0.1")).as("no header").isEqualTo("10.0.0.1");
  }

  @Test
  void anUnparsableHopEndsTheWalkAtTheLastTrustedOne() {
    assertThat(xff(BEHIND_BALANCER, "10.0.0.1", "198.51.100.1, unknown, 10.2.3.4"))
        .isEqualTo("10.2.3.4");
    assertThat(xff(BEHIND_BALANCER, "10.0.0.1", "example.com")).isEqualTo("10.0.0.1");
    assertThat(xff(BEHIND_BALANCER, "10.0.0.1", "999.1.1.1")).isEqualTo("10.0.0.1");
  }

  @Test
  void forwardedIsPreferredAndItsForParameterRead() {
    assertThat(
            BEHIND_BALANCER.resolve(
                "10.0.0.1",
                List.of(
                    "for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\";proto=https",
                    "For=10.2.3.4;by=10.0.0.1"),
                List.of("192.0.2.99")))
        .isEqualTo("2001:db8:cafe:0:0:0:0:17");
    assertThat(
            BEHIND_BALANCER.resolve(
                "2001:db8:ffff::5", List.of("for=192.0.2.60;proto=http"), List.of()))
        .as("an IPv6 proxy")
        .isEqualTo("192.0.2.60");
    assertThat(BEHIND_BALANCER.resolve("10.0.0.1", List.of("for=_hidden"), List.of()))
        .isEqualTo("10.0.0.1");
  }

  @Test
  void blocksAreParsedFromLiteralsOnly() {
    assertThat(Cidr.of("192.168.0.0/16").contains(Cidr.literal("192.168.200.1"))).isTrue();
    assertThat(Cidr.of("192.168.0.0/17").contains(Cidr.literal("192.168.200.1"))).isFalse();
    assertThat(Cidr.of("127.0.0.1").contains(Cidr.literal("127.0.0.1"))).isTrue();
    assertThat(Cidr.of("::/0").contains(Cidr.literal("127.0.0.1"))).isFalse();
    assertThat(Cidr.of("0.0.0.0/0").contains(Cidr.literal("8.8.8.8"))).isTrue();
    for (String bad : List.of("localhost", "10.0.0.0/33", "10.0.0.0/x", "10.0.0.0/8/8", "")) {
      assertThatThrownBy(() -> Cidr.of(bad)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void literalsAreDottedQuadsOrIpv6AndNothingElse() throws Exception {
    assertThat(Cidr.literal("203.0.113.9")).isEqualTo(InetAddress.getByName("203.0.113.9"));
    assertThat(Cidr.literal(" 0.0.0.0 ")).isEqualTo(InetAddress.getByName("0.0.0.0"));
    assertThat(Cidr.literal("255.255.255.255").getAddress()).containsOnly((byte) 255);
    assertThat(Cidr.literal("::1")).isEqualTo(InetAddress.getByName("::1"));
    for (String bad :
        List.of(
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "1.2.3.",
            ".1.2.3",
            "1.2.3.1000",
            "a.b.c.d",
            "1.2.3.4a",
            "example.com",
            "",
            "1.2.3.-4")) {
      assertThat(Cidr.literal(bad)).as(bad).isNull();
    }
  }

  @Test
  void theFilterGivesEveryoneDownstreamTheResolvedAddress() throws Exception {
    ClientAddressFilter filter = new ClientAddressFilter(BEHIND_BALANCER);
    AtomicReference<String> seen = new AtomicReference<>();
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/announce");
    request.setRemoteAddr("10.0.0.1");
    request.addHeader("X-Forwarded-For", "6.6.6.6, 198.51.100.1");
    filter.doFilter(
        request, new MockHttpServletResponse(), (req, res) -> seen.set(req.getRemoteAddr()));
    assertThat(seen).hasValue("198.51.100.1");

    request = new MockHttpServletRequest("GET", "/announce");
    request.setRemoteAddr("203.0.113.9");
    request.addHeader("X-Forwarded-For", "198.51.100.1");
    filter.doFilter(
        request, new MockHttpServletResponse(), (req, res) -> seen.set(req.getRemoteAddr()));
    assertThat(seen).as("spoofed from an untrusted source").hasValue("203.0.113.9");
  }
}
