package dev.shoal.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.organisation.Organisation;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The real agent installs from the real control plane through its local API: enrol, verify the
 * signed manifest, download the pack (origin only without peer consent; from the origin seeder over
 * BitTorrent with it), unwrap the key, install atomically; then a delta update, a rollback to older
 * content under a higher version, a repair, and the refusals.
 */
class AgentInstallTest {
  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  private static final Duration TIMEOUT = Duration.ofMinutes(2);
  private static int organisations;

  @TempDir Path temp;
  private ApiClient admin;
  private String apiKey;
  private String org;
  private AgentFixture agent;

  @BeforeEach
  void publisher() {
    org = "installs" + (++organisations);
    Organisation o = controlPlane.createOrganisation(org);
    apiKey = controlPlane.createApiKey(o, Role.ADMIN);
    admin = controlPlane.client(apiKey);
    admin.post("/api/v1/products", Map.of("slug", "game", "name", "Game")).assertSuccess();
    admin.post("/api/v1/products/game/channels", Map.of("name", "stable")).assertSuccess();
    agent = AgentFixture.start(temp.resolve("agent"));
  }

  @AfterEach
  void stop() {
    agent.close();
  }

  @Test
  void installsThenUpdatesThroughADeltaThenRollsBackToOlderContentUnderAHigherVersion()
      throws Exception {
    Map<String, byte[]> v1 = publishV1AndEnrolEntitled();
    Path dir = temp.resolve("games/game");
    Files.createDirectories(dir.getParent());

    JsonNode first = agent.awaitInstall(agent.install("game", "stable", dir), TIMEOUT);
    assertThat(first.get("state").asString()).as(first.toString()).isEqualTo("COMPLETED");
    assertThat(first.get("targetVersion").asLong()).isEqualTo(1);
    assertThat(first.get("packKind").asString()).isEqualTo("full");
    // No download consent: everything from the origin over HTTP, nothing from peers.
    assertThat(first.get("bytesFromOrigin").asLong()).isGreaterThan(0);
    assertThat(first.get("bytesFromPeers").asLong()).isZero();
    assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(v1);
    long fullPack = first.get("bytesTotal").asLong();
    // What the player sees: the status (and its page) lists the install.
    assertThat(agent.get("/v1/status").assertSuccess().json().get("installs").toString())
        .contains("\"state\":\"COMPLETED\"");
    assertThat(
            dev.shoal.agent.status.StatusPage.render(
                agent.agent().status().status(), "nonce", agent.dataDir().toString()))
        .contains(
            "Installs and updates",
            "game 1.0 (version 1) on stable: completed",
            "shoal-agent uninstall");

    Map<String, byte[]> v2 = new TreeMap<>(v1);
    v2.put("config/settings.ini", "volume=3\nfullscreen=0\n".getBytes());
    v2.put("data/new-map.pak", GameBuilds.bytes(9, 300_000));
    publish(v2, "1.1");
    JsonNode update = agent.awaitInstall(agent.install("game", "stable", dir), TIMEOUT);
    assertThat(update.get("state").asString()).as(update.toString()).isEqualTo("COMPLETED");
    assertThat(update.get("installedVersion").asLong()).isEqualTo(2);
    assertThat(update.get("packKind").asString()).isEqualTo("delta");
    assertThat(update.get("bytesTotal").asLong()).isLessThan(fullPack / 10);
    assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(v2);

    admin
        .post("/api/v1/products/game/channels/stable/rollback", Map.of("version", 1))
        .assertSuccess();
    JsonNode rollback = agent.awaitInstall(agent.install("game", "stable", dir), TIMEOUT);
    assertThat(rollback.get("state").asString()).as(rollback.toString()).isEqualTo("COMPLETED");
    assertThat(rollback.get("installedVersion").asLong()).isEqualTo(3);
    assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(v1);
    assertThat(GameBuilds.siblings(dir))
        .as("no staging or old directories left")
        .containsExactly("game");
  }

  @Test
  void anEditedPakUpdatesThroughPatchesAboutTheSizeOfTheEdits() throws Exception {
    Map<String, byte[]> v1 = new TreeMap<>();
    v1.put("data/world.pak", GameBuilds.bytes(21, 8 << 20));
    v1.put("bin/game.exe", GameBuilds.bytes(22, 1 << 20));
    publish(v1, "1.0");
    enrolAndEntitle();
    Path dir = temp.resolve("games/game");
    Files.createDirectories(dir.getParent());
    JsonNode first = agent.awaitInstall(agent.install("game", "stable", dir), TIMEOUT);
    assertThat(first.get("state").asString()).as(first.toString()).isEqualTo("COMPLETED");

    // An overwrite of 20 KiB at 2 MiB and an insertion of 10 KiB at 5 MiB that shifts the rest.
    byte[] pak = v1.get("data/world.pak");
    byte[] edited = new byte[pak.length + 10_240];
    System.arraycopy(pak, 0, edited, 0, 5 << 20);
    System.arraycopy(GameBuilds.bytes(23, 10_240), 0, edited, 5 << 20, 10_240);
    System.arraycopy(pak, 5 << 20, edited, (5 << 20) + 10_240, pak.length - (5 << 20));
    System.arraycopy(GameBuilds.bytes(24, 20_480), 0, edited, 2 << 20, 20_480);
    Map<String, byte[]> v2 = new TreeMap<>(v1);
    v2.put("data/world.pak", edited);
    publish(v2, "1.1");
    JsonNode update = agent.awaitInstall(agent.install("game", "stable", dir), TIMEOUT);
    assertThat(update.get("state").asString()).as(update.toString()).isEqualTo("COMPLETED");
    assertThat(update.get("packKind").asString()).isEqualTo("delta");
    // Bytes changed: 30 KiB in one file; the target allows 1.2x plus 64 KiB per changed file.
    // Whole chunks alone would be two or three chunks of about 1 MiB.
    assertThat(update.get("bytesTotal").asLong()).isLessThan((long) (1.2 * 30_720) + (64 << 10));
    assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(v2);
  }

  @Test
  void withDownloadConsentThePackComesFromTheOriginSeederOverBitTorrent() throws Exception {
    Map<String, byte[]> v1 = publishV1AndEnrolEntitled();
    agent.grantConsent("download");
    Path dir = temp.resolve("peer-install");
    double httpBefore = httpOriginEgress();

    JsonNode done = agent.awaitInstall(agent.install("game", "stable", dir), TIMEOUT);
    assertThat(done.get("state").asString()).as(done.toString()).isEqualTo("COMPLETED");
    // The only peer is the publisher's origin seeder: its bytes are origin bytes, not peer bytes
    // (an honest offload ratio), and none of them came over the origin's HTTP.
    assertThat(done.get("bytesFromOrigin").asLong())
        .isGreaterThanOrEqualTo(done.get("bytesTotal").asLong());
    assertThat(done.get("bytesFromPeers").asLong()).isZero();
    assertThat(httpOriginEgress()).isEqualTo(httpBefore);
    assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(v1);

    // The consent record left the agent's outbox for the control plane, which counts it.
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () ->
                assertThat(
                        admin
                            .get("/api/v1/devices/aggregates")
                            .assertSuccess()
                            .json()
                            .get("current")
                            .get("downloadConsent")
                            .asLong())
                    .isEqualTo(1));
    assertThat(agent.agent().consent().outbox()).isEmpty();
  }

  @Test
  void verifyFindsADamagedFileAndRepairRefetchesIt() throws Exception {
    Map<String, byte[]> v1 = publishV1AndEnrolEntitled();
    Path dir = temp.resolve("repair");
    String id = agent.install("game", "stable", dir);
    assertThat(agent.awaitInstall(id, TIMEOUT).get("state").asString()).isEqualTo("COMPLETED");

    try (RandomAccessFile f = new RandomAccessFile(dir.resolve("data/levels.pak").toFile(), "rw")) {
      f.seek(1000);
      f.write(f.read() ^ 0xff);
    }
    Files.delete(dir.resolve("readme.txt"));
    JsonNode verdict = agent.post("/v1/installs/" + id + "/verify", null).assertSuccess().json();
    assertThat(verdict.get("intact").asBoolean()).isFalse();
    assertThat(verdict.get("problems").toString())
        .contains("data/levels.pak", "WRONG", "readme.txt", "MISSING");

    String repair =
        agent
            .post("/v1/installs/" + id + "/repair", null)
            .assertSuccess()
            .json()
            .get("id")
            .asString();
    JsonNode repaired = agent.awaitInstall(repair, TIMEOUT);
    assertThat(repaired.get("state").asString()).as(repaired.toString()).isEqualTo("COMPLETED");
    assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(v1);
    assertThat(
            agent
                .post("/v1/installs/" + id + "/verify", null)
                .assertSuccess()
                .json()
                .get("intact")
                .asBoolean())
        .isTrue();
  }

  /**
   * A launcher pointed at the player's home by mistake must not overwrite (and a later update or
   * uninstall must not delete) the player's files; files the player puts next to the game survive
   * every later operation on it.
   */
  @Test
  void thePlayersFilesSurviveAndAFirstInstallIntoTheirDirectoryIsRefused() throws Exception {
    Map<String, byte[]> v1 = publishV1AndEnrolEntitled();
    Path home = Files.createDirectories(temp.resolve("home"));
    Map<String, byte[]> theirs =
        Map.of("readme.txt", "my own readme".getBytes(), "thesis.odt", GameBuilds.bytes(3, 5_000));
    write(home, theirs);
    JsonNode refused = agent.awaitInstall(agent.install("game", "stable", home), TIMEOUT);
    assertThat(refused.get("state").asString()).as(refused.toString()).isEqualTo("FAILED");
    assertThat(refused.get("error").get("code").asString()).isEqualTo("DIRECTORY_NOT_EMPTY");
    assertThat(refused.get("error").get("message").asString()).contains(home.toString());
    assertThat(GameBuilds.files(home)).containsExactlyInAnyOrderEntriesOf(theirs);

    Path dir = Files.createDirectories(temp.resolve("games/game")); // empty: fine
    String id = agent.install("game", "stable", dir);
    assertThat(agent.awaitInstall(id, TIMEOUT).get("state").asString()).isEqualTo("COMPLETED");
    Map<String, byte[]> saves =
        Map.of("saves/slot1.sav", GameBuilds.bytes(4, 20_000), "data/my-mod.pak", new byte[] {1});
    write(dir, saves);

    Map<String, byte[]> v2 = new TreeMap<>(v1);
    v2.put("data/new-map.pak", GameBuilds.bytes(9, 300_000));
    v2.remove("readme.txt");
    publish(v2, "1.1");
    assertThat(agent.awaitInstall(agent.install("game", "stable", dir), TIMEOUT).get("state"))
        .hasToString("\"COMPLETED\"");
    assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(union(v2, saves));

    Files.delete(dir.resolve("data/new-map.pak"));
    String repair =
        agent
            .post("/v1/installs/" + id + "/repair", null)
            .assertSuccess()
            .json()
            .get("id")
            .asString();
    assertThat(agent.awaitInstall(repair, TIMEOUT).get("state").asString()).isEqualTo("COMPLETED");
    assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(union(v2, saves));

    admin
        .post("/api/v1/products/game/channels/stable/rollback", Map.of("version", 1))
        .assertSuccess();
    assertThat(agent.awaitInstall(agent.install("game", "stable", dir), TIMEOUT).get("state"))
        .hasToString("\"COMPLETED\"");
    assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(union(v1, saves));
  }

  private static void write(Path dir, Map<String, byte[]> files) throws IOException {
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      Path p = dir.resolve(f.getKey());
      Files.createDirectories(p.getParent());
      Files.write(p, f.getValue());
    }
  }

  private static Map<String, byte[]> union(Map<String, byte[]> a, Map<String, byte[]> b) {
    Map<String, byte[]> out = new TreeMap<>(a);
    out.putAll(b);
    return out;
  }

  @Test
  void tooLittleSpaceIsRefusedBeforeTheDownloadSayingHowMuchIsNeeded() throws Exception {
    // A 1 MiB file system for a ~9 MB game: a tmpfs, which only root may mount.
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "needs root to mount a small tmpfs");
    publish(GameBuilds.build(1, 8_700_000), "1.0");
    enrolAndEntitle();
    Path small = Files.createDirectories(temp.resolve("small"));
    Assumptions.assumeTrue(
        run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString()),
        "could not mount a tmpfs");
    try {
      Path dir = small.resolve("game");
      JsonNode refused = agent.awaitInstall(agent.install("game", "stable", dir), TIMEOUT);
      assertThat(refused.get("state").asString()).as(refused.toString()).isEqualTo("FAILED");
      JsonNode error = refused.get("error");
      assertThat(error.get("code").asString()).isEqualTo("DISK_FULL");
      assertThat(error.get("retryable").asBoolean()).isTrue();
      assertThat(error.get("message").asString())
          .matches("needs [0-9.]+ MB free on " + small + ", [0-9.]+ MB free.*");
      // Refused before the download: not a byte fetched, nothing written there.
      assertThat(refused.get("bytesFromOrigin").asLong()).isZero();
      assertThat(refused.get("bytesFromPeers").asLong()).isZero();
      try (Stream<Path> s = Files.list(small)) {
        assertThat(s).isEmpty();
      }
    } finally {
      run("umount", small.toString());
    }
  }

  private static boolean run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor() == 0;
  }

  @Test
  void refusalsLeaveTheInstallDirectoryUntouched() throws Exception {
    publish(GameBuilds.build(1, 8_700_000), "1.0");
    Path dir = temp.resolve("refused");

    AgentFixture.Response notEnrolled =
        agent.post(
            "/v1/installs",
            Map.of("product", "game", "channel", "stable", "directory", dir.toString()));
    assertThat(notEnrolled.status()).isEqualTo(202);
    JsonNode failed = agent.awaitInstall(notEnrolled.json().get("id").asString(), TIMEOUT);
    assertThat(failed.get("error").get("code").asString()).isEqualTo("NOT_ENROLLED");

    agent.enrol(controlPlane, org); // enrolled, but not entitled
    JsonNode refused = agent.awaitInstall(agent.install("game", "stable", dir), TIMEOUT);
    assertThat(refused.get("state").asString()).isEqualTo("FAILED");
    assertThat(refused.get("error").get("code").asString()).isEqualTo("ENTITLEMENT");
    assertThat(refused.get("error").get("retryable").asBoolean()).isFalse();
    assertThat(dir).doesNotExist();

    AgentFixture.Response relative =
        agent.post(
            "/v1/installs", Map.of("product", "game", "channel", "stable", "directory", "rel/dir"));
    assertThat(relative.status()).isEqualTo(400);
    assertThat(relative.body()).contains("absolute");
  }

  @Test
  void theCliInstallsShowsTheCacheAndUninstallRemovesEverythingAndDeregisters() throws Exception {
    Map<String, byte[]> v1 = publishV1AndEnrolEntitled();
    Path dir = temp.resolve("cli-game");
    String data = agent.dataDir().toString();

    Cli install =
        cli(
            "--data-dir",
            data,
            "install",
            "--product",
            "game",
            "--channel",
            "stable",
            "--dir",
            dir.toString(),
            "--json");
    assertThat(install.exit()).as(install.err()).isZero();
    String last = install.out().strip().lines().reduce((a, b) -> b).orElseThrow();
    assertThat(last).contains("\"state\":\"COMPLETED\"");
    assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(v1);

    Cli cache = cli("--data-dir", data, "cache");
    assertThat(cache.exit()).as(cache.err()).isZero();
    // Named by game and version, not by the pack file's info hash.
    assertThat(cache.out())
        .contains("game 1.0 (version 1), full game")
        .doesNotContain(".pack")
        .contains("limit");

    assertThat(cli("--data-dir", data, "uninstall", "--yes").exit())
        .as("refused while this very process runs the agent (it cannot stop itself)")
        .isEqualTo(4);
    agent.close();
    Cli uninstall = cli("--data-dir", data, "uninstall", "--yes");
    assertThat(uninstall.exit()).as(uninstall.out() + uninstall.err()).isZero();
    assertThat(uninstall.out()).contains("deregistered");
    assertThat(agent.dataDir()).doesNotExist();
    assertThat(GameBuilds.files(dir)).as("the game stays").containsExactlyInAnyOrderEntriesOf(v1);
    JsonNode devices = admin.get("/api/v1/devices").assertSuccess().json();
    assertThat(devices.toString()).contains(agent.deviceId());
    for (JsonNode d : devices) {
      if (d.get("id").asString().equals(agent.deviceId())) {
        assertThat(d.get("revokedAt").isNull()).as("revoked").isFalse();
      }
    }
    agent = AgentFixture.start(temp.resolve("after-uninstall")); // for @AfterEach
  }

  @Test
  void theCacheEvictsTheLeastRecentlyUsedPackAndSeedsTheRestAgainAfterARestart() throws Exception {
    agent.close();
    agent = AgentFixture.start(temp.resolve("small-cache"), 12_000_000);
    admin.post("/api/v1/products", Map.of("slug", "other", "name", "Other")).assertSuccess();
    admin.post("/api/v1/products/other/channels", Map.of("name", "stable")).assertSuccess();
    publish(GameBuilds.build(1, 8_700_000), "1.0");
    Map<String, byte[]> big = Map.of("big.bin", GameBuilds.bytes(42, 8_000_000));
    String other = Publisher.of(admin).publish("other", "stable", big, "1.0").id();
    enrolAndEntitle();
    admin
        .post("/api/v1/products/other/entitlements", Map.of("deviceId", agent.deviceId()))
        .assertSuccess();

    JsonNode first =
        agent.awaitInstall(agent.install("game", "stable", temp.resolve("g1")), TIMEOUT);
    assertThat(first.get("state").asString()).as(first.toString()).isEqualTo("COMPLETED");
    String firstPack = cachedPacks().get(0);
    Thread.sleep(1100); // distinct last-used times, whatever the file system's resolution
    JsonNode second =
        agent.awaitInstall(agent.install("other", "stable", temp.resolve("g2")), TIMEOUT);
    assertThat(second.get("state").asString()).as(second.toString()).isEqualTo("COMPLETED");

    assertThat(cachedPacks()).as("the older pack was evicted").hasSize(1).doesNotContain(firstPack);
    assertThat(agent.agent().transfers().transfers())
        .extracting(t -> t.fileName())
        .as("an evicted pack is no longer seeded")
        .doesNotContain(firstPack)
        .containsExactlyElementsOf(cachedPacks());

    Path data = agent.dataDir();
    agent.close();
    agent = AgentFixture.start(data, 12_000_000);
    assertThat(agent.agent().transfers().transfers())
        .extracting(t -> t.fileName())
        .as("seeded again after a restart")
        .containsExactlyElementsOf(cachedPacks());
  }

  private java.util.List<String> cachedPacks() throws IOException {
    try (Stream<Path> s = Files.list(agent.dataDir().resolve("cache"))) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".pack"))
          .sorted()
          .toList();
    }
  }

  record Cli(int exit, String out, String err) {}

  private static Cli cli(String... args) {
    var out = new java.io.ByteArrayOutputStream();
    var err = new java.io.ByteArrayOutputStream();
    int exit =
        dev.shoal.agent.cli.ShoalAgent.execute(
            new java.io.ByteArrayInputStream(new byte[0]),
            new java.io.PrintStream(out, true),
            new java.io.PrintStream(err, true),
            args);
    return new Cli(exit, out.toString(), err.toString());
  }

  /** The control plane's HTTP origin bytes so far (shoal_origin_http_egress_bytes_total). */
  private static double httpOriginEgress() {
    String metrics =
        ApiClient.exchange(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(controlPlane.baseUrl() + "/actuator/prometheus"))
                    .header("Accept", "text/plain")
                    .build())
            .assertSuccess()
            .body();
    return metrics
        .lines()
        .filter(l -> l.startsWith("shoal_origin_http_egress_bytes_total"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  /** Publishes v1 of {@code game/stable}, enrols the agent and entitles it; returns v1. */
  private Map<String, byte[]> publishV1AndEnrolEntitled() {
    Map<String, byte[]> v1 = GameBuilds.build(1, 8_700_000);
    publish(v1, "1.0");
    enrolAndEntitle();
    return v1;
  }

  private void enrolAndEntitle() {
    agent.enrol(controlPlane, org);
    Publisher.of(admin).entitle("game", agent.deviceId());
  }

  private void publish(Map<String, byte[]> build, String version) {
    Publisher.of(admin).publish("game", "stable", build, version);
  }
}
