package dev.shoal.agent.portmap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The port mapper against a real miniupnpd in a router namespace: a home behind NAT maps its
 * listening port, TCP and UDP (NAT-PMP, then UPnP IGD), a host outside connects through the mapping
 * and gets a datagram through it, a short NAT-PMP lease is renewed, and the mapping is gone
 * (checked in the router's nftables) within 1 s of the consent withdrawal, and at exit. Needs root
 * (namespaces), nft and miniupnpd; skipped with the reason otherwise. Everything the test made is
 * removed on success, failure and interrupt.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@Tag("lab") // network namespaces, as root: scripts/test-lab.sh
class PortMappingLabTest {

  private static final String PREFIX = "pm" + (ProcessHandle.current().pid() % 100000);
  private static Process miniupnpd;
  private static Thread cleanupHook;

  @BeforeAll
  static void lab() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "port-mapping lab test skipped: needs root for network namespaces");
    for (String tool : List.of("ip", "nft", "miniupnpd", "bash")) {
      Assumptions.assumeTrue(
          run(5, "sh", "-c", "command -v " + tool).exit == 0,
          "port-mapping lab test skipped: " + tool + " not installed");
    }
    Path script = Files.createTempFile("router-lab", ".sh");
    try (InputStream in = PortMappingLabTest.class.getResourceAsStream("/portmap/router-lab.sh")) {
      Files.write(script, in.readAllBytes());
    }
    cleanupHook = new Thread(PortMappingLabTest::cleanup, "port-mapping-lab-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanupHook);
    Result setup = run(20, "bash", script.toString(), PREFIX);
    Files.deleteIfExists(script);
    Assumptions.assumeTrue(
        setup.exit == 0, "port-mapping lab test skipped: namespaces not allowed: " + setup.output);
    miniupnpd =
        new ProcessBuilder(
                "ip",
                "netns",
                "exec",
                PREFIX + "r",
                "miniupnpd",
                "-d",
                "-f",
                "/tmp/" + PREFIX + "-miniupnpd.conf")
            .redirectErrorStream(true)
            .redirectOutput(Path.of("/tmp/" + PREFIX + "-miniupnpd.log").toFile())
            .start();
    Thread.sleep(500);
    assertThat(miniupnpd.isAlive()).as("miniupnpd started").isTrue();
  }

  @AfterAll
  static void cleanup() {
    if (miniupnpd != null) {
      miniupnpd.destroy();
      try {
        miniupnpd.waitFor(3, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      miniupnpd.destroyForcibly();
    }
    for (String ns : List.of("c", "r", "h")) {
      run(5, "ip", "netns", "del", PREFIX + ns);
    }
    try {
      Files.deleteIfExists(Path.of("/tmp/" + PREFIX + "-miniupnpd.conf"));
      Files.deleteIfExists(Path.of("/tmp/" + PREFIX + "-miniupnpd.log"));
    } catch (IOException e) {
      // temporary files only
    }
    if (cleanupHook != null && Thread.currentThread() != cleanupHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(cleanupHook);
      } catch (IllegalStateException e) {
        // shutting down already
      }
    }
  }

  @Test
  void natPmpMapsRenewsAndIsGoneWithinASecondOfTheWithdrawal() throws Exception {
    try (Probe probe = new Probe("3", "natpmp")) {
      int port = probe.mappedPort();
      assertThat(probe.ask("status")).startsWith("status NAT-PMP, external port " + port);
      assertThat(outsideConnects(port)).isEqualTo("shoal");
      assertThat(outsideDatagram(port)).as("a datagram through the UDP mapping").isEqualTo("shoal");
      assertThat(routerMaps(port)).isTrue();
      assertThat(routerMaps(port, "udp")).isTrue();
      // The router granted the 3 s lease asked for: it stays only if renewed.
      Thread.sleep(4500);
      assertThat(routerMaps(port)).as("still mapped after the first lease ran out").isTrue();
      assertThat(routerMaps(port, "udp")).as("UDP renewed too").isTrue();

      long start = System.nanoTime();
      probe.send("withdraw");
      while (routerMaps(port) && System.nanoTime() - start < 3_000_000_000L) {
        Thread.sleep(20);
      }
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(routerMaps(port)).isFalse();
      assertThat(millis).as("ms from the withdrawal to the mapping gone").isLessThan(1000);
      assertThat(routerMaps(port, "udp")).as("UDP gone with it").isFalse();
      assertThat(probe.ask("status")).startsWith("status none (uploads are off)");
    }
  }

  @Test
  void upnpIgdMapsAndTheMappingIsDeletedAtExit() throws Exception {
    try (Probe probe = new Probe("600", "upnp")) {
      int port = probe.mappedPort();
      assertThat(probe.ask("status"))
          .startsWith("status UPnP IGD, external port " + port)
          .endsWith(", udp");
      assertThat(outsideConnects(port)).isEqualTo("shoal");
      assertThat(outsideDatagram(port)).as("a datagram through the UDP mapping").isEqualTo("shoal");
      assertThat(routerMaps(port)).isTrue();
      assertThat(routerMaps(port, "udp")).isTrue();
      probe.send("exit");
      assertThat(probe.next()).as("the engine is told first").isEqualTo("announce 0");
      assertThat(probe.next()).isEqualTo("closed");
      assertThat(routerMaps(port)).isFalse();
      assertThat(routerMaps(port, "udp")).isFalse();
    }
  }

  /** What a host outside reads after connecting to the router's WAN address at that port. */
  private static String outsideConnects(int port) {
    return outside("exec 3<>/dev/tcp/198.51.100.2/" + port + "; head -1 <&3");
  }

  /** What a host outside reads back after sending a datagram to the router's WAN address. */
  private static String outsideDatagram(int port) {
    return outside("exec 3<>/dev/udp/198.51.100.2/" + port + "; echo hi >&3; head -1 <&3");
  }

  /** The first line a bash script run on the host outside prints, within 3 s. */
  private static String outside(String script) {
    return run(5, "ip", "netns", "exec", PREFIX + "c", "timeout", "3", "bash", "-c", script)
        .output
        .trim();
  }

  private static boolean routerMaps(int port) {
    return routerMaps(port, "tcp");
  }

  /**
   * Whether the router's nftables forward that external port for {@code protocol} (miniupnpd's
   * chain; it matches the protocol by number, as "@nh,72,8 0x6", or by name).
   */
  private static boolean routerMaps(int port, String protocol) {
    Result r =
        run(
            5,
            "ip",
            "netns",
            "exec",
            PREFIX + "r",
            "nft",
            "list",
            "chain",
            "inet",
            "filter",
            "prerouting_miniupnpd");
    String number = protocol.equals("tcp") ? " 0x6 " : " 0x11 ";
    return r.output
        .lines()
        .anyMatch(
            line ->
                line.contains("dport " + port + " ")
                    && (line.contains(number) || line.contains(protocol + " dport")));
  }

  /** {@link PortMapperProbe} running in the home namespace. */
  private static final class Probe implements AutoCloseable {
    private final Process process;
    private final Writer in;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    Probe(String leaseSeconds, String protocol) throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", PREFIX + "h"));
      cmd.addAll(
          List.of(
              "timeout",
              "60",
              java,
              "-cp",
              System.getProperty("java.class.path"),
              PortMapperProbe.class.getName(),
              leaseSeconds,
              protocol));
      process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    if (line.startsWith("listening ")
                        || line.startsWith("announce ")
                        || line.startsWith("status ")
                        || line.equals("withdrawn")
                        || line.equals("closed")) {
                      lines.add(line);
                    }
                  }
                } catch (IOException e) {
                  // the probe is gone
                }
              });
      reader.setDaemon(true);
      reader.start();
    }

    String next() throws InterruptedException {
      String line = lines.poll(20, TimeUnit.SECONDS);
      assertThat(line).as("the probe's next line").isNotNull();
      return line;
    }

    int mappedPort() throws InterruptedException {
      String listening = next();
      assertThat(listening).startsWith("listening ");
      String announce = next();
      assertThat(announce).startsWith("announce ").isNotEqualTo("announce 0");
      return Integer.parseInt(announce.substring("announce ".length()));
    }

    void send(String command) throws IOException {
      in.write(command + "\n");
      in.flush();
    }

    String ask(String command) throws IOException, InterruptedException {
      send(command);
      String line;
      do {
        line = next();
      } while (!line.startsWith("status "));
      return line;
    }

    @Override
    public void close() throws Exception {
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    }
  }

  private record Result(int exit, String output) {}

  private static Result run(int seconds, String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "timed out");
      }
      return new Result(
          p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }
}
