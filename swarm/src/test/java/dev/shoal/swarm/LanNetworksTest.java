package dev.shoal.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which addresses are LAN peers: named networks, and the private ranges of the automatic mode. */
class LanNetworksTest {

  @Test
  void namedNetworksMatchByPrefix() throws Exception {
    LanNetworks lan = new LanNetworks(List.of("192.168.1.0/24", "10.0.0.7", "fd12:3456::/32"));
    assertThat(lan.contains(InetAddress.getByName("192.168.1.200"))).isTrue();
    assertThat(lan.contains(InetAddress.getByName("192.168.2.1"))).isFalse();
    assertThat(lan.contains(InetAddress.getByName("10.0.0.7"))).isTrue();
    assertThat(lan.contains(InetAddress.getByName("10.0.0.8"))).isFalse();
    assertThat(lan.contains(InetAddress.getByName("fd12:3456::1"))).isTrue();
    assertThat(lan.contains(InetAddress.getByName("fd12:3457::1"))).isFalse();
    assertThat(lan.contains(null)).isFalse();
    assertThat(
            new LanNetworks(List.of("172.16.0.0/12")).contains(InetAddress.getByName("172.31.9.9")))
        .isTrue();
    assertThat(
            new LanNetworks(List.of("172.16.0.0/12")).contains(InetAddress.getByName("172.32.0.1")))
        .isFalse();
    assertThat(new LanNetworks(List.of()).contains(InetAddress.getByName("192.168.1.1"))).isFalse();
  }

  @Test
  void onlyLiteralsParse() {
    // A name would be looked up: refused, like a prefix out of range.
    for (String bad : List.of("cafe", "lan.example", "10.0.0.0/33", "fd00::/129", "10.0.0/8", "")) {
      assertThatThrownBy(() -> LanNetworks.Cidr.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void privateMeansRfc1918UniqueLocalOrLinkLocalNotCgnatOrLoopback() throws Exception {
    for (String yes :
        List.of("10.1.2.3", "172.16.0.1", "192.168.0.1", "fd00::1", "fe80::1", "169.254.1.1")) {
      assertThat(LanNetworks.isPrivate(InetAddress.getByName(yes))).as(yes).isTrue();
    }
    for (String no :
        List.of("100.64.0.1", "8.8.8.8", "127.0.0.1", "::1", "172.32.0.1", "2001:db8::1")) {
      assertThat(LanNetworks.isPrivate(InetAddress.getByName(no))).as(no).isFalse();
    }
  }

  @Test
  void aVpnTunnelIsNotTheLanThoughItsAddressesArePrivate() throws Exception {
    LanNetworks.Interface home =
        new LanNetworks.Interface(
            true, false, false, List.of(LanNetworks.Cidr.parse("192.168.1.10/24")));
    LanNetworks.Interface vpn =
        new LanNetworks.Interface(
            true, false, true, List.of(LanNetworks.Cidr.parse("10.8.0.2/24")));
    LanNetworks.Interface down =
        new LanNetworks.Interface(
            false, false, false, List.of(LanNetworks.Cidr.parse("10.9.0.2/24")));
    LanNetworks.Interface wan =
        new LanNetworks.Interface(
            true, false, false, List.of(LanNetworks.Cidr.parse("203.0.113.7/24")));

    List<LanNetworks.Cidr> lan = LanNetworks.privateSubnets(List.of(home, vpn, down, wan));

    assertThat(lan).hasSize(1);
    assertThat(lan.get(0).contains(InetAddress.getByName("192.168.1.77"))).isTrue();
    assertThat(lan.get(0).contains(InetAddress.getByName("10.8.0.1"))).isFalse();
  }
}
