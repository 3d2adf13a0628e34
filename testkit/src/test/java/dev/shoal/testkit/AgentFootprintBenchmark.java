package dev.shoal.testkit;

import static dev.shoal.testkit.ProcessAgentApi.call;
import static dev.shoal.testkit.ProcessAgentApi.grant;
import static dev.shoal.testkit.ProcessAgentApi.install;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.localapi.LocalApiFile;
import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.organisation.Organisation;
import dev.shoal.swarm.Swarm;
import dev.shoal.swarm.SwarmConfig;
import dev.shoal.swarm.TorrentHandle;
import dev.shoal.swarm.TorrentJob;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The agent's footprint as a player's machine sees it: the agent runs as its own process, started
 * by the systemd user unit's own command lines on the app image when deploy/agent/build-runtime.sh
 * has made one (its runtime, flags and class-data archive), else with the launcher's flags; this
 * measures its resident memory idle and while installing a 256 MiB release from a real control
 * plane, then its CPU while seeding that pack to one leecher at a 10 MB/s upload cap, then its
 * resident memory while updating through byte-level patches (scattered edits and an insertion in
 * the two files). Prints {@code key=value} figures on its last line; docs/benchmarks.md has the
 * command and the results.
 */
@Tag("benchmark")
class AgentFootprintBenchmark {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int SIZE = 256 << 20;
  private static final long UPLOAD_CAP = 10_000_000;

  /** The launcher's flags (deploy/agent/build-runtime.sh), used when there is no app image. */
  private static final List<String> FLAGS = LauncherFlags.read();

  @TempDir Path temp;

  @Test
  void residentMemoryIdleAndInstallingAndCpuWhileSeeding() throws Exception {
    try (ControlPlaneFixture cp = new ControlPlaneFixture().start()) {
      Organisation org = cp.createOrganisation("bench");
      String key = cp.createApiKey(org, Role.ADMIN);
      ApiClient admin = cp.client(key);
      admin.post("/api/v1/products", Map.of("slug", "game", "name", "Game")).assertSuccess();
      admin.post("/api/v1/products/game/channels", Map.of("name", "live")).assertSuccess();
      Map<String, byte[]> build =
          Map.of(
              "data/a.pak",
              GameBuilds.bytes(1, SIZE / 2),
              "data/b.pak",
              GameBuilds.bytes(2, SIZE / 2));
      Publisher.of(admin).publish("game", "live", build, "1.0");

      Path data = temp.resolve("agent");
      Process agent = startAgent(data);
      try {
        LocalApiFile api = awaitApi(data);
        Thread.sleep(15_000);
        long idleKb = rssKb(agent.pid());

        String device = call(api, "GET", "/v1/status", null).get("deviceId").asString();
        call(
            api,
            "POST",
            "/v1/enrolment",
            Map.of("controlPlane", cp.baseUrl(), "organisation", "bench"));
        admin
            .post("/api/v1/products/game/entitlements", Map.of("deviceId", device))
            .assertSuccess();
        AtomicLong peakKb = new AtomicLong();
        long started = System.nanoTime();
        long installCpuBefore = cpuTicks(agent.pid());
        String id = install(api, "game", "live", temp.resolve("game"));
        String state = awaitEnd(api, agent.pid(), id, 200, peakKb).get("state").asString();
        double installSeconds = (System.nanoTime() - started) / 1e9;
        double installCpuSeconds = (cpuTicks(agent.pid()) - installCpuBefore) / 100.0;
        assertThat(state).isEqualTo("COMPLETED");
        long hwmKb = status(agent.pid(), "VmHWM");

        // Seeding: upload consent, a 10 MB/s cap, one leecher that knows the agent's address.
        grant(api, "upload");
        ObjectNode limits = (ObjectNode) call(api, "GET", "/v1/limits", null);
        limits.put("uploadCapBytesPerSecond", UPLOAD_CAP);
        call(api, "PUT", "/v1/limits", limits);
        int port = call(api, "GET", "/v1/status", null).get("rates").get("listenPort").asInt();
        assertThat(port).isPositive();
        byte[] torrent = rememberedTorrent(data);
        long cpuBefore = cpuTicks(agent.pid());
        long t0 = System.nanoTime();
        try (Swarm leecher =
                Swarm.start(
                    SwarmConfig.builder().bindAddress("127.0.0.1").uploadEnabled(false).build());
            TorrentHandle h =
                leecher.add(
                    TorrentJob.builder(torrent, temp.resolve("leeched.pack"))
                        .announceUrl("")
                        .peers(List.of(new InetSocketAddress("127.0.0.1", port)))
                        .build())) {
          h.awaitCompletion(Duration.ofMinutes(3));
        }
        double seedSeconds = (System.nanoTime() - t0) / 1e9;
        double cpuSeconds = (cpuTicks(agent.pid()) - cpuBefore) / 100.0; // USER_HZ
        double seedRate = SIZE / seedSeconds / 1e6;

        // A patched update (format 2): scattered overwrites and an insertion in the paks; the
        // agent rebuilds the changed chunks from patches against its installed ones.
        byte[] a = build.get("data/a.pak");
        byte[] inserted = GameBuilds.bytes(12, 32 << 10);
        byte[] a2 = new byte[a.length + inserted.length];
        System.arraycopy(a, 0, a2, 0, 90 << 20);
        System.arraycopy(inserted, 0, a2, 90 << 20, inserted.length);
        System.arraycopy(a, 90 << 20, a2, (90 << 20) + inserted.length, a.length - (90 << 20));
        System.arraycopy(GameBuilds.bytes(13, 64 << 10), 0, a2, 10 << 20, 64 << 10);
        System.arraycopy(GameBuilds.bytes(14, 16 << 10), 0, a2, 50 << 20, 16 << 10);
        byte[] b2 = build.get("data/b.pak").clone();
        System.arraycopy(GameBuilds.bytes(15, 4 << 10), 0, b2, 1 << 20, 4 << 10);
        Publisher.of(admin)
            .publish("game", "live", Map.of("data/a.pak", a2, "data/b.pak", b2), "1.1");
        AtomicLong updatePeakKb = new AtomicLong();
        String update = install(api, "game", "live", temp.resolve("game"));
        JsonNode u = awaitEnd(api, agent.pid(), update, 100, updatePeakKb);
        assertThat(u.get("state").asString()).as(u.toString()).isEqualTo("COMPLETED");
        long updateFetched = u.get("bytesFromPeers").asLong() + u.get("bytesFromOrigin").asLong();
        System.out.printf(
            Locale.ROOT,
            "agent=%s idle_rss_mb=%.1f install_peak_rss_mb=%.1f install_vmhwm_mb=%.1f install_s=%.1f"
                + " install_cpu_s=%.1f"
                + " seed_mbps=%.2f seed_cap_mbps=%.1f seed_cpu_s=%.2f seed_cpu_pct=%.1f"
                + " patched_update_peak_rss_mb=%.1f patched_update_fetched_bytes=%d"
                + " patched_update_changed_bytes=%d vmhwm_after_update_mb=%.1f%n",
            launcher(),
            idleKb / 1024.0,
            peakKb.get() / 1024.0,
            hwmKb / 1024.0,
            installSeconds,
            installCpuSeconds,
            seedRate,
            UPLOAD_CAP / 1e6,
            cpuSeconds,
            100 * cpuSeconds / seedSeconds,
            updatePeakKb.get() / 1024.0,
            updateFetched,
            (64 << 10) + (16 << 10) + (32 << 10) + (4 << 10),
            status(agent.pid(), "VmHWM") / 1024.0);
      } finally {
        agent.destroy();
        agent.waitFor();
      }
    }
  }

  private static Path imageDir() {
    return Path.of("..", "edge-agent", "target", "dist", "shoal-agent")
        .toAbsolutePath()
        .normalize();
  }

  private static String launcher() {
    return Files.isExecutable(imageDir().resolve("lib/runtime/bin/java"))
        ? "systemd-unit-command"
        : "java-classpath";
  }

  /**
   * With an app image, the agent is started exactly as deploy/agent/shoal-agent.service starts it:
   * its ExecStartPre (the class-data archive) and ExecStart command lines, with %h's paths pointed
   * at the image and this run's data directory. Otherwise the test JVM's java with the flags above.
   */
  private Process startAgent(Path data) throws IOException, InterruptedException {
    Files.createDirectories(data);
    List<String> cmd = new ArrayList<>();
    if (launcher().equals("systemd-unit-command")) {
      String unit = Files.readString(Path.of("..", "deploy", "agent", "shoal-agent.service"));
      for (String pre : unitCommands(unit, "ExecStartPre=-", data)) {
        Process archive =
            new ProcessBuilder(pre.split(" "))
                .redirectErrorStream(true)
                .redirectOutput(temp.resolve("class-data.log").toFile())
                .start();
        assertThat(archive.waitFor()).as(Files.readString(temp.resolve("class-data.log"))).isZero();
      }
      cmd.addAll(List.of(unitCommands(unit, "ExecStart=", data).get(0).split(" ")));
      cmd.remove(cmd.size() - 1); // "run": added below, after --data-dir
    } else {
      cmd.addAll(LauncherFlags.agentCommand(FLAGS));
    }
    cmd.addAll(LauncherFlags.runArguments(data));
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(temp.resolve("agent.log").toFile())
        .start();
  }

  /** The unit's command lines that start with {@code key}, continuation lines joined, paths set. */
  private static List<String> unitCommands(String unit, String key, Path data) {
    return unit.replace("\\\n", " ")
        .lines()
        .filter(line -> line.startsWith(key))
        .map(
            line ->
                line.substring(key.length())
                    .replace("%h/.local/opt/shoal-agent", imageDir().toString())
                    .replace("%h/.local/share/shoal", data.toString())
                    .replace("\"", "")
                    .replaceAll(" +", " ")
                    .strip())
        .toList();
  }

  private static LocalApiFile awaitApi(Path data) {
    Path file = data.resolve("local-api.json");
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(file));
    return LocalApiFile.read(file).orElseThrow();
  }

  private static byte[] rememberedTorrent(Path data) throws IOException {
    try (var s = Files.list(data.resolve("state").resolve("packs"))) {
      Path meta = s.findFirst().orElseThrow();
      return Base64.getDecoder()
          .decode(JSON.readTree(Files.readString(meta)).get("torrent").asString());
    }
  }

  /**
   * Polls an install every {@code pollMillis} until it has ended, keeping the agent's largest RSS
   * seen in {@code peakKb}; returns the last status.
   */
  private static JsonNode awaitEnd(
      LocalApiFile api, long pid, String id, long pollMillis, AtomicLong peakKb) throws Exception {
    JsonNode status;
    do {
      Thread.sleep(pollMillis);
      peakKb.accumulateAndGet(rssKb(pid), Math::max);
      status = call(api, "GET", "/v1/installs/" + id, null);
    } while (!status.get("state").asString().equals("COMPLETED")
        && !status.get("state").asString().equals("FAILED"));
    return status;
  }

  private static long rssKb(long pid) throws IOException {
    return status(pid, "VmRSS");
  }

  private static long status(long pid, String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException(field + " not in /proc/" + pid + "/status");
  }

  /** utime + stime of the process, in clock ticks. */
  private static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }
}
