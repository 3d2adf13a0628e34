package dev.shoal.agent.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.shoal.agent.RunningAgent;
import dev.shoal.agent.bandwidth.BandwidthPolicy;
import dev.shoal.agent.bandwidth.BandwidthSettings;
import dev.shoal.swarm.Swarm;
import dev.shoal.swarm.SwarmConfig;
import dev.shoal.swarm.TorrentHandle;
import dev.shoal.swarm.TorrentJob;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Loopback;
import dev.shoal.testsupport.RangeOrigin;
import dev.shoal.testsupport.Torrents;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The agent's transfer layer against real engines on loopback: a seeder {@link Swarm} with upload
 * on, a real HTTP origin with Range, a real tracker, and leechers started by the test. Byte counts
 * are taken at the socket (a counting relay) and from the engines.
 */
class TransfersTest {
  static final long SIZE = 4L * 1024 * 1024;
  static final Duration LONG = Duration.ofSeconds(60);

  @TempDir Path tmp;
  final List<AutoCloseable> closeMe = new ArrayList<>();
  Path original;
  byte[] torrent;
  List<byte[]> sha256s;
  String expectedSha;
  RangeOrigin origin;
  Swarm seeder;
  CountingProxy toSeeder;
  Tracker tracker;
  int agentPort;
  RunningAgent a;

  @BeforeEach
  void setUp() throws Exception {
    original = GameBuilds.randomFile(tmp.resolve("publisher"), "pack-1.pak", SIZE, 42);
    torrent = Torrents.of(original, Packs.PIECE, null);
    sha256s = Torrents.pieceSha256(original, Packs.PIECE);
    expectedSha = Torrents.sha256(original);
    origin = track(new RangeOrigin(original));
    seeder = track(Swarm.start(loopback()));
    Path seederCopy = tmp.resolve("seeder").resolve("pack-1.pak");
    Files.createDirectories(seederCopy.getParent());
    Files.copy(original, seederCopy);
    TorrentHandle seeding =
        seeder.add(TorrentJob.builder(torrent, seederCopy).announceUrl("").build());
    seeding.awaitCompletion(LONG); // re-check of existing data done: it is a seed now
    toSeeder = track(new CountingProxy(new InetSocketAddress("127.0.0.1", seeder.listenPort())));
    tracker = track(new Tracker(List.of(toSeeder.address())));
    agentPort = Loopback.freePort();
    a =
        new RunningAgent(
            tmp.resolve("agent"), loopback().toBuilder().listenPort(agentPort).build());
  }

  @AfterEach
  void tearDown() throws Exception {
    if (a != null) {
      a.close();
    }
    for (int i = closeMe.size() - 1; i >= 0; i--) {
      closeMe.get(i).close();
    }
  }

  private <T extends AutoCloseable> T track(T c) {
    closeMe.add(c);
    return c;
  }

  static SwarmConfig loopback() {
    return SwarmConfig.builder().bindAddress("127.0.0.1").build();
  }

  /** What the control plane would hand the agent: tracker, a suggested peer, the origin. */
  PackSource pack() {
    return new PackSource(
        "pack-1.pak",
        torrent,
        sha256s,
        tracker.announceUrl(),
        List.of(toSeeder.address()),
        origin.uri());
  }

  /** Puts the pack into the agent's cache, as a finished download would have. */
  Transfer seedFromCache() throws Exception {
    Files.copy(original, a.agent.dataDir().cacheDir().resolve("pack-1.pak"));
    Transfer t =
        a.agent
            .transfers()
            .seed(new PackSource("pack-1.pak", torrent, sha256s, null, List.of(), null));
    t.awaitCompletion(LONG); // re-checked: complete, seeding
    return t;
  }

  /** A leecher engine started by the test, dialling the agent through a counting relay. */
  record Leecher(Swarm swarm, TorrentHandle handle, CountingProxy relay) {}

  Leecher leecherOfAgent(long downCap) throws Exception {
    CountingProxy relay = track(new CountingProxy(new InetSocketAddress("127.0.0.1", agentPort)));
    Swarm s = track(Swarm.start(loopback().toBuilder().uploadEnabled(false).build()));
    TorrentHandle h =
        s.add(
            TorrentJob.builder(torrent, tmp.resolve("leecher").resolve("pack-1.pak"))
                .announceUrl("")
                .peers(List.of(relay.address()))
                .downCap(downCap)
                .build());
    return new Leecher(s, h, relay);
  }

  static boolean refused(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Test
  void withoutDownloadConsentEverythingComesFromTheOriginAndNoPeerIsContacted() throws Exception {
    Transfer t = a.agent.transfers().download(pack());
    assertThat(t.sources()).isEqualTo(Sources.ORIGIN_ONLY);
    t.awaitCompletion(LONG);

    assertThat(Torrents.sha256(t.dataFile())).isEqualTo(expectedSha);
    await().atMost(LONG).until(() -> a.agent.traffic().today().fromOrigin() >= SIZE);
    assertThat(t.progress().fromPeers()).isZero();
    assertThat(t.bytesFromPeers()).isZero();
    assertThat(a.agent.traffic().today().fromPeers()).isZero();
    assertThat(origin.bytesServed()).isGreaterThanOrEqualTo(SIZE);
    // Nobody was told about us and we talked to nobody.
    assertThat(tracker.announces.get()).isZero();
    assertThat(toSeeder.accepted()).isZero();
    assertThat(seeder.listenPort()).isPositive(); // the seeder was there to be found
  }

  @Test
  void withDownloadConsentPeersDeliverAndTheFileIsCorrect() throws Exception {
    Packs.grant(a, "DOWNLOAD_FROM_PEERS");
    Transfer t = a.agent.transfers().download(pack());
    assertThat(t.sources()).isEqualTo(Sources.PEERS_AND_ORIGIN);
    t.awaitCompletion(LONG);

    assertThat(Torrents.sha256(t.dataFile())).isEqualTo(expectedSha);
    // The day's counts are flushed from the transfer now and then: the peer bytes may be in
    // while the last origin bytes are not yet (seen once: 3,866,624 of 4,194,304 counted).
    await()
        .atMost(LONG)
        .until(
            () ->
                a.agent.traffic().today().fromPeers() > 0
                    && a.agent.traffic().today().fromPeers()
                            + a.agent.traffic().today().fromOrigin()
                        >= SIZE);
    assertThat(t.bytesFromPeers()).isPositive();
    assertThat(toSeeder.accepted()).isPositive();
    assertThat(toSeeder.fromTarget.get()).isGreaterThan(t.bytesFromPeers() - 1);
  }

  @Test
  void withoutUploadConsentNotOneByteLeavesAndThereIsNoListener() throws Exception {
    Transfer t = seedFromCache();
    assertThat(a.agent.transfers().listenPort()).isZero();
    assertThat(refused(agentPort)).isTrue();

    Leecher l = leecherOfAgent(0);
    // The leecher dials (the relay accepts), but the agent has no socket to connect to.
    await().atMost(LONG).until(() -> l.relay().accepted() >= 1);
    Thread.sleep(2000); // let any would-be transfer happen; the counts below must stay 0
    assertThat(l.relay().upstreamConnected.get()).isZero();
    assertThat(l.relay().fromTarget.get()).isZero();
    assertThat(l.handle().progress().fromPeers()).isZero();
    assertThat(t.progress().uploaded()).isZero();
    assertThat(a.agent.traffic().today().uploaded()).isZero();

    // Control: the same setup does move bytes once the player says yes, so the zeros above mean
    // something.
    Packs.grant(a, "UPLOAD_TO_PEERS");
    assertThat(a.agent.transfers().listenPort()).isEqualTo(agentPort);
    l.handle().awaitCompletion(LONG);
    assertThat(l.relay().fromTarget.get()).isGreaterThan(SIZE);
    await().atMost(LONG).until(() -> a.agent.traffic().today().uploaded() >= SIZE);
  }

  @Test
  void withdrawingUploadConsentMidUploadClosesTheSocketAndStopsTheBytes() throws Exception {
    a.agent.policy().setSettings(capsUp(256_000));
    Packs.grant(a, "UPLOAD_TO_PEERS");
    Transfer t = seedFromCache();
    assertThat(a.agent.transfers().listenPort()).isEqualTo(agentPort);
    Leecher l = leecherOfAgent(0);
    await().atMost(LONG).until(() -> t.bytesUploaded() > 512 * 1024);

    // The status page and /v1/status show the live swarm.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              JsonNode rates = RunningAgent.json(a.get("/v1/status")).path("rates");
              return rates.path("peers").asInt() >= 1
                  && rates.path("uploadBytesPerSecond").asLong() > 0;
            });
    assertThat(a.get("/v1/status").body()).contains("\"rates\"");

    long t0 = System.nanoTime();
    Packs.withdraw(a, "UPLOAD_TO_PEERS");
    System.out.printf(
        "withdrawal via local API returned after %d ms, uploaded so far %d bytes%n",
        (System.nanoTime() - t0) / 1_000_000, t.bytesUploaded());
    // Synchronous: by the time the API answered, the listener is gone.
    assertThat(a.agent.transfers().listenPort()).isZero();
    assertThat(a.agent.transfers().uploadEnabled()).isFalse();
    assertThat(refused(agentPort)).isTrue();

    Thread.sleep(1000); // grace: blocks already in socket buffers may still arrive
    long up1 = t.progress().uploaded();
    long got1 = l.handle().progress().fromPeers();
    long wire1 = l.relay().fromTarget.get();
    Thread.sleep(2000);
    assertThat(t.progress().uploaded()).isEqualTo(up1);
    assertThat(l.handle().progress().fromPeers()).isEqualTo(got1);
    // Keep-alives (4 bytes) might cross the wire; no piece payload (16 KiB blocks) does.
    assertThat(l.relay().fromTarget.get() - wire1).isLessThan(1024);
    assertThat(l.handle().progress().isComplete()).isFalse();
  }

  @Test
  void quietModeStopsUploadsAndDropsTheDownloadCap() throws Exception {
    a.agent.policy().setSettings(new BandwidthSettings(500_000, 0, 0, null, false, 300_000));
    Packs.grant(a, "UPLOAD_TO_PEERS");
    seedFromCache();
    assertThat(a.agent.transfers().listenPort()).isEqualTo(agentPort);

    assertThat(a.sendJson("POST", "/v1/quiet-mode", "{\"on\":true}").statusCode()).isEqualTo(200);
    assertThat(a.agent.transfers().listenPort()).isZero();
    assertThat(refused(agentPort)).isTrue();
    assertThat(a.agent.transfers().appliedLimits().uploadAllowed()).isFalse();
    assertThat(a.agent.transfers().appliedLimits().downloadCapBytesPerSecond()).isEqualTo(300_000);

    assertThat(a.sendJson("POST", "/v1/quiet-mode", "{\"on\":false}").statusCode()).isEqualTo(200);
    assertThat(a.agent.transfers().listenPort()).isEqualTo(agentPort);
    assertThat(a.agent.transfers().appliedLimits().downloadCapBytesPerSecond()).isZero();
  }

  @Test
  void pausingAndMeteredAlsoCloseTheListener() throws Exception {
    Packs.grant(a, "UPLOAD_TO_PEERS");
    seedFromCache();
    assertThat(a.agent.transfers().listenPort()).isEqualTo(agentPort);
    a.agent.policy().setPaused(true);
    assertThat(a.agent.transfers().listenPort()).isZero();
    a.agent.policy().setPaused(false);
    assertThat(a.agent.transfers().listenPort()).isEqualTo(agentPort);
    BandwidthSettings s = a.agent.policy().settings();
    a.agent
        .policy()
        .setSettings(
            new BandwidthSettings(
                s.uploadCapBytesPerSecond(),
                s.downloadCapBytesPerSecond(),
                s.monthlyUploadAllowanceBytes(),
                s.uploadHours(),
                true,
                s.quietModeDownloadCapBytesPerSecond()));
    assertThat(a.agent.transfers().listenPort()).isZero();
    assertThat(refused(agentPort)).isTrue();
  }

  @Test
  void exhaustingTheMonthlyAllowanceWhileSeedingStopsUploads() throws Exception {
    long allowance = 1_000_000;
    a.agent
        .policy()
        .setSettings(new BandwidthSettings(400_000, 0, allowance, null, false, 1_000_000));
    Packs.grant(a, "UPLOAD_TO_PEERS");
    Transfer t = seedFromCache();
    Leecher l = leecherOfAgent(0);

    await()
        .atMost(LONG)
        .until(
            () ->
                a.agent
                    .policy()
                    .evaluate()
                    .uploadOffReasons()
                    .contains(BandwidthPolicy.ALLOWANCE_USED));
    assertThat(a.agent.transfers().listenPort()).isZero();
    assertThat(a.agent.traffic().thisMonth().uploaded()).isGreaterThanOrEqualTo(allowance);

    Thread.sleep(1000); // grace
    long up1 = t.progress().uploaded();
    long got1 = l.handle().progress().fromPeers();
    Thread.sleep(2000);
    assertThat(t.progress().uploaded()).isEqualTo(up1);
    assertThat(l.handle().progress().fromPeers()).isEqualTo(got1);
    assertThat(l.handle().progress().isComplete()).isFalse();
    // Overshoot is bounded by one counting interval at the cap (plus what was in flight).
    assertThat(up1).isLessThan(allowance + 400_000);
    assertThat(a.get("/v1/status").body()).contains(BandwidthPolicy.ALLOWANCE_USED);
  }

  @Test
  void grantingDownloadConsentMidDownloadSwitchesToPeersAndWithdrawingBackToOrigin()
      throws Exception {
    a.agent
        .policy()
        .setSettings(new BandwidthSettings(1_000_000, 400_000, 0, null, false, 1_000_000));
    Transfer t = a.agent.transfers().download(pack());
    assertThat(t.sources()).isEqualTo(Sources.ORIGIN_ONLY);
    Packs.grant(a, "DOWNLOAD_FROM_PEERS");
    assertThat(t.sources()).isEqualTo(Sources.PEERS_AND_ORIGIN);
    await().atMost(LONG).until(() -> toSeeder.accepted() > 0);
    Packs.withdraw(a, "DOWNLOAD_FROM_PEERS");
    assertThat(t.sources()).isEqualTo(Sources.ORIGIN_ONLY);
    int announces = tracker.announces.get();
    int accepted = toSeeder.accepted();
    a.agent.policy().setSettings(new BandwidthSettings(1_000_000, 0, 0, null, false, 1_000_000));
    t.awaitCompletion(LONG);
    assertThat(Torrents.sha256(t.dataFile())).isEqualTo(expectedSha);
    assertThat(toSeeder.accepted()).isEqualTo(accepted);
    // at most the "stopped" announce of the replaced job
    assertThat(tracker.announces.get()).isLessThanOrEqualTo(announces + 1);
  }

  @Test
  void seedingRefusesFilesOutsideTheCache() {
    assertThatThrownBy(
            () ->
                a.agent
                    .transfers()
                    .seed(new PackSource("pack-1.pak", torrent, null, null, List.of(), null)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PackSource("../x.pak", torrent, null, null, List.of(), null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static BandwidthSettings capsUp(long up) {
    return new BandwidthSettings(up, 0, 0, null, false, 1_000_000);
  }
}
