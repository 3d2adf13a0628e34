package dev.shoal.testkit.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The lab itself, without a control plane: NAT (who can reach whom, which address the internet
 * sees), miniupnpd mapping a port, shaping, and cleanup.
 */
@Tag("lab") // about 20 s: namespaces, nft, miniupnpd, an iperf3 transfer
class LabTest {
  @Test
  void homesBehindNatReachOutButNotIn_mappedPortsAndOpenHomesAreReachable_linksAreShaped()
      throws Exception {
    Lab.assumeAvailable();
    String id;
    try (Lab lab =
        Lab.builder()
            .controlPlane(false)
            .homes(3)
            .nat(1, Nat.SYMMETRIC)
            .nat(2, Nat.NONE)
            .miniupnpd(0)
            .players(0, 2)
            .uplinkKbit(4_000)
            .timeout(Duration.ofMinutes(2))
            .build()) {
      id = lab.id();
      Home cone = lab.home(0);
      Home symmetric = lab.home(1);
      Home open = lab.home(2);
      // A server in the cloud sees the router's WAN address, not the player's.
      Process server =
          lab.startProcess(
              Shell.in(lab.cloudNamespace(), List.of("python3", "-c", ECHO_PEER, "9000")),
              lab.runDir().resolve("echo.log"));
      lab.awaitListening(lab.cloudNamespace(), 9000, Duration.ofSeconds(10));
      assertThat(connect(cone, 0, Lab.CLOUD, 9000)).isEqualTo(cone.wanAddress());
      assertThat(connect(symmetric, 0, Lab.CLOUD, 9000)).isEqualTo(symmetric.wanAddress());
      assertThat(connect(open, 0, Lab.CLOUD, 9000)).isEqualTo(open.lanAddress(0));
      server.destroy();

      // Nothing reaches a NATed player from outside; an open one is reachable.
      listen(lab, cone, 0, 7000);
      listen(lab, open, 0, 7000);
      assertThat(reachable(lab, symmetric, open.lanAddress(0), 7000)).isTrue();
      assertThat(reachable(lab, symmetric, cone.wanAddress(), 7000)).isFalse();
      assertThat(reachable(lab, symmetric, cone.lanAddress(0), 7000)).isFalse();
      // Two players on one LAN reach each other directly.
      assertThat(reachable(lab, cone, 1, cone.lanAddress(0), 7000)).isTrue();
      assertThat(cone.lanBytes(1, 0)).isPositive();

      // miniupnpd maps a port (UPnP IGD), and the player is then reachable at the router.
      cone.exec(0, "upnpc", "-a", cone.lanAddress(0), "7000", "7000", "TCP");
      assertThat(reachable(lab, symmetric, cone.wanAddress(), 7000)).isTrue();
      cone.miniupnpd(false);
      assertThat(reachable(lab, symmetric, cone.wanAddress(), 7000)).isFalse();

      // Upload is shaped at about 4 Mbit/s (tbf), and counted on the router.
      long before = cone.bytesSentToCloud();
      Process iperf =
          lab.startProcess(
              Shell.in(lab.cloudNamespace(), List.of("iperf3", "-s", "-1")),
              lab.runDir().resolve("iperf.log"));
      lab.awaitListening(lab.cloudNamespace(), 5201, Duration.ofSeconds(10));
      String out = cone.exec(0, "iperf3", "-c", Lab.CLOUD, "-t", "3", "-J");
      double bps =
          tools.jackson.databind.json.JsonMapper.builder()
              .build()
              .readTree(out)
              .get("end")
              .get("sum_received")
              .get("bits_per_second")
              .asDouble();
      assertThat(bps).isBetween(2.5e6, 4.5e6);
      assertThat(cone.bytesSentToCloud() - before).isGreaterThan(1_000_000);
      iperf.destroy();
    }
    assertThat(Shell.ok("ip", "netns", "list")).doesNotContain(id);
  }

  private static final String ECHO_PEER =
      "import socket,sys\n"
          + "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
          + "s.bind(('0.0.0.0', int(sys.argv[1]))); s.listen(8)\n"
          + "while True:\n"
          + "    c,a=s.accept(); c.sendall(a[0].encode()); c.close()\n";

  private static String connect(Home home, int player, String host, int port) {
    return home.exec(
            player,
            "python3",
            "-c",
            "import socket; s=socket.create_connection(('"
                + host
                + "',"
                + port
                + "),timeout=3); print(s.recv(100).decode())")
        .strip();
  }

  private static void listen(Lab lab, Home home, int player, int port) {
    lab.startProcess(
        Shell.in(
            home.hostNamespace(player), List.of("python3", "-c", ECHO_PEER, String.valueOf(port))),
        lab.runDir().resolve(home.name() + "-listen.log"));
    lab.awaitListening(home.hostNamespace(player), port, Duration.ofSeconds(10));
  }

  private static boolean reachable(Lab lab, Home from, String host, int port) {
    return reachable(lab, from, 0, host, port);
  }

  private static boolean reachable(Lab lab, Home from, int player, String host, int port) {
    return Shell.run(
                Shell.in(
                    from.hostNamespace(player),
                    List.of(
                        "python3",
                        "-c",
                        "import socket; socket.create_connection(('"
                            + host
                            + "',"
                            + port
                            + "),timeout=2)")))
            .exit()
        == 0;
  }
}
