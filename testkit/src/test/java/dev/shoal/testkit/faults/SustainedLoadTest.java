package dev.shoal.testkit.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.tracker.Tracker;
import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.protocol.torrent.AnnounceResponse;
import dev.shoal.testkit.AgentDevices;
import dev.shoal.testkit.AgentFixture;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.Announces;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import dev.shoal.testsupport.Publisher.Release;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded load: for 20 s, 400 fake peers (8 enrolled devices, 50 peer ids each) announce in a
 * loop to the real tracker over real HTTP, some leaving ({@code stopped}) and coming back, while
 * two launchers poll an agent's local API. Every answer must be right (zero errors), the tracker
 * must hold exactly the peers still in the swarm, forget them all when they stop, and the heap
 * after GC must not have grown (a generous 64 MiB margin: the control plane, the agent and the load
 * all share this JVM). No rate is asserted: the figures are printed.
 */
@Tag("slow")
class SustainedLoadTest {
  @RegisterExtension
  static final ControlPlaneFixture controlPlane =
      new ControlPlaneFixture()
          .with("shoal.tracker.interval", "30s")
          // every answer is checked for exactly this interval: no spread
          .with("shoal.tracker.interval-jitter", "0");

  private static final Duration LOAD = Duration.ofSeconds(20);
  private static final int DEVICES = 8;
  private static final int PEERS_PER_DEVICE = 50;
  private static final long HEAP_MARGIN = 64L << 20;

  @TempDir Path temp;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void announcesAndLocalApiCallsForTwentySecondsWithZeroErrorsAndNoGrowth() throws Exception {
    Publisher studio = controlPlane.newPublisher("faults").product("game", "live");
    Release release = studio.publish("game", "live", GameBuilds.build(9, 300_000), "1.0");
    byte[] infoHash = HexFormat.of().parseHex(release.fullPackInfoHash());
    List<Device> devices = new ArrayList<>();
    for (int d = 0; d < DEVICES; d++) {
      Device device = AgentDevices.create(controlPlane.baseUrl(), temp.resolve("device-" + d));
      device.enrol(studio.organisation()).assertSuccess();
      studio.entitle("game", device.deviceId());
      devices.add(device);
    }
    Tracker tracker = controlPlane.bean(Tracker.class);
    try (AgentFixture agent = AgentFixture.start(temp.resolve("agent"))) {
      run(devices, infoHash, agent, Duration.ofSeconds(3)); // warm up
      long heapBefore = usedHeapAfterGc();

      Result r = run(devices, infoHash, agent, LOAD);
      System.out.printf(
          "%d announces (%.0f/s), %d local API calls (%.0f/s), errors: %s%n",
          r.announces,
          r.announces / (double) LOAD.toSeconds(),
          r.apiCalls,
          r.apiCalls / (double) LOAD.toSeconds(),
          r.errors);
      assertThat(r.errors).as("errors").isEmpty();
      assertThat(r.announces).isPositive();
      assertThat(r.apiCalls).isPositive();
      // Every fake peer announced last without "stopped": all 400 in the swarm, 8 devices.
      assertThat(tracker.swarmCounts().get(release.fullPackInfoHash()))
          .isEqualTo(new Tracker.SwarmCount(DEVICES, DEVICES));

      // All leave: the tracker forgets every one of them (the origin seeder alone stays).
      for (int d = 0; d < DEVICES; d++) {
        for (int p = 0; p < PEERS_PER_DEVICE; p++) {
          announce(devices.get(d), infoHash, d, p, AnnounceRequest.Event.STOPPED);
        }
      }
      assertThat(tracker.swarmCounts()).doesNotContainKey(release.fullPackInfoHash());

      long heapAfter = usedHeapAfterGc();
      System.out.printf(
          "used heap after GC: %.1f MiB before the load, %.1f MiB after%n",
          heapBefore / 1048576.0, heapAfter / 1048576.0);
      assertThat(heapAfter).as("heap after GC").isLessThan(heapBefore + HEAP_MARGIN);
    }
  }

  record Result(long announces, long apiCalls, List<String> errors) {}

  /**
   * One thread per device announces for its 50 peers in turn (every 7th round a peer leaves with
   * "stopped" and comes back with "started"); two threads call the agent's local API.
   */
  private Result run(List<Device> devices, byte[] infoHash, AgentFixture agent, Duration d)
      throws Exception {
    long end = System.nanoTime() + d.toNanos();
    AtomicLong announces = new AtomicLong();
    AtomicLong apiCalls = new AtomicLong();
    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(DEVICES + 2);
    List<Future<?>> tasks = new ArrayList<>();
    for (int i = 0; i < DEVICES; i++) {
      int device = i;
      tasks.add(
          pool.submit(
              () -> {
                for (int round = 0; System.nanoTime() < end; round++) {
                  for (int p = 0; p < PEERS_PER_DEVICE && System.nanoTime() < end; p++) {
                    AnnounceRequest.Event event = AnnounceRequest.Event.NONE;
                    if ((round + p) % 7 == 0) {
                      check(
                          devices.get(device),
                          infoHash,
                          device,
                          p,
                          AnnounceRequest.Event.STOPPED,
                          errors);
                      announces.incrementAndGet();
                      event = AnnounceRequest.Event.STARTED;
                    }
                    check(devices.get(device), infoHash, device, p, event, errors);
                    announces.incrementAndGet();
                  }
                }
                // Leave every peer announced (not stopped) at the end.
                for (int p = 0; p < PEERS_PER_DEVICE; p++) {
                  check(
                      devices.get(device), infoHash, device, p, AnnounceRequest.Event.NONE, errors);
                }
              }));
    }
    for (String path : List.of("/v1/status", "/v1/installs")) {
      tasks.add(
          pool.submit(
              () -> {
                while (System.nanoTime() < end) {
                  AgentFixture.Response r = agent.get(path);
                  apiCalls.incrementAndGet();
                  if (r.status() != 200) {
                    errors.add(path + " -> " + r.status() + ": " + r.body());
                  }
                }
              }));
    }
    for (Future<?> t : tasks) {
      t.get();
    }
    pool.shutdown();
    return new Result(announces.get(), apiCalls.get(), List.copyOf(errors));
  }

  private void check(
      Device device,
      byte[] infoHash,
      int d,
      int p,
      AnnounceRequest.Event event,
      ConcurrentLinkedQueue<String> errors) {
    try {
      AnnounceResponse r = announce(device, infoHash, d, p, event);
      if (r.failureReason() != null) {
        errors.add("announce refused: " + r.failureReason());
      } else if (event != AnnounceRequest.Event.STOPPED
          && (r.interval() != 30
              || r.peers().size() > 50
              || r.peers().stream().anyMatch(a -> a.getPort() / 1000 == 10 + d))) {
        errors.add("announce answer wrong: " + r.interval() + " " + r.peers());
      }
    } catch (Exception e) {
      errors.add("announce failed: " + e);
    }
  }

  /** Peer p of device d: its own peer id and port (10000 + 1000 d + p). */
  private AnnounceResponse announce(
      Device device, byte[] infoHash, int d, int p, AnnounceRequest.Event event) throws Exception {
    String peerId = String.format("-TK0001-load%02d%06d", d, p);
    AnnounceRequest request =
        Announces.request(
            infoHash, peerId.getBytes(StandardCharsets.US_ASCII), 10_000 + 1000 * d + p, 1, event);
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        request.toUrl(
                            controlPlane.baseUrl() + "/" + device.passkey() + "/announce")))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("HTTP " + r.statusCode());
    }
    return AnnounceResponse.decode(r.body());
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
