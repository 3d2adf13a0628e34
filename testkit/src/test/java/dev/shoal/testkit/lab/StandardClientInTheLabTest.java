package dev.shoal.testkit.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * "Extensions only: standard clients keep working with us", in the lab: libtorrent (Debian's
 * python3-libtorrent, swarm/bench/lt_peer.py), in a home behind NAT, downloads a pack from one of
 * our agents in another home, dialling it (the agent's LAN endpoint extensions, BEP 55 holepunch
 * and the rest are only ever sent to peers that advertise them). Bit-exact against the agent's
 * copy. The lab has no propagation delay or loss.
 */
@Tag("lab") // about 2 minutes: the control plane and an agent as processes in namespaces
class StandardClientInTheLabTest {
  private static final Path LT_PEER = Path.of("../swarm/bench/lt_peer.py").toAbsolutePath();
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** Debian's, with python3-libtorrent (another python3 may come first on the PATH). */
  private static final String PYTHON = "/usr/bin/python3";

  @Test
  void libtorrentBehindNatDownloadsFromOurAgent() throws Exception {
    Lab.assumeAvailable();
    Assumptions.assumeTrue(Files.exists(LT_PEER), "needs swarm/bench/lt_peer.py");
    Assumptions.assumeTrue(
        new ProcessBuilder(PYTHON, "-c", "import libtorrent").start().waitFor() == 0,
        "needs python3-libtorrent");
    try (Lab lab = Lab.builder().homes(2).nat(0, Nat.NONE).nat(1, Nat.CONE).build()) {
      Home ours = lab.home(0);
      Home theirs = lab.home(1);
      Publisher studio = lab.controlPlane().publisher().product("game", "live");
      studio.publish("game", "live", GameBuilds.build(11, 4 * GameBuilds.MIB), "1.0");
      LabAgent agent = ours.startAgent(0, List.of());
      studio.entitle("game", agent.deviceId());
      agent.grant("upload");
      agent.grant("download");
      JsonNode done = agent.awaitInstall(agent.install("game", "live"), Duration.ofSeconds(90));
      assertThat(done.get("state").asString()).as(done.toString()).isEqualTo("COMPLETED");
      int port = agent.status().get("rates").get("listenPort").asInt();
      assertThat(port).as("the agent listens (upload consent)").isPositive();

      // The pack's torrent and data, as the agent keeps them for seeding.
      Path packMeta;
      try (Stream<Path> s = Files.list(agent.dataDir().resolve("state/packs"))) {
        packMeta = s.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
      }
      JsonNode pack = JSON.readTree(Files.readString(packMeta));
      String fileName = pack.get("fileName").asString();
      Path torrent = lab.runDir().resolve("lt/pack.torrent");
      Files.createDirectories(torrent.getParent());
      Files.write(torrent, Base64.getDecoder().decode(pack.get("torrent").asString()));
      Path save = lab.runDir().resolve("lt/save");
      Files.createDirectories(save);

      List<String> cmd =
          new ArrayList<>(
              List.of(
                  "ip",
                  "netns",
                  "exec",
                  theirs.hostNamespace(0),
                  PYTHON,
                  LT_PEER.toString(),
                  "download",
                  torrent.toString(),
                  save.toString(),
                  "--no-tracker",
                  "--listen",
                  "0.0.0.0",
                  "--timeout",
                  "60",
                  "--peer",
                  ours.lanAddress(0) + ":" + port));
      Process lt = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      List<String> out = new ArrayList<>();
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(lt.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          out.add(line);
        }
      } catch (IOException e) {
        out.add(e.toString());
      } finally {
        if (!lt.waitFor(90, TimeUnit.SECONDS)) {
          lt.destroyForcibly();
        }
      }
      assertThat(out).as("libtorrent's output").anyMatch(l -> l.startsWith("DONE "));
      Path ourCopy = agent.dataDir().resolve("cache").resolve(fileName);
      Path theirCopy; // under the torrent's name, which need not be the agent's file name
      try (Stream<Path> s = Files.walk(save)) {
        theirCopy = s.filter(Files::isRegularFile).findFirst().orElseThrow();
      }
      assertThat(Files.mismatch(ourCopy, theirCopy))
          .as("libtorrent's copy against the agent's")
          .isEqualTo(-1L);
      assertThat(ours.bytesSentTo(theirs))
          .as("the pack crossed from our home to theirs")
          .isGreaterThan(Files.size(ourCopy));
    }
  }
}
