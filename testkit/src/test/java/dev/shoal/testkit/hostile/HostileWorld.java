package dev.shoal.testkit.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.signing.TrustRoot;
import dev.shoal.testkit.AgentFixture;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import dev.shoal.testsupport.Publisher.Release;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One test's world: a fresh organisation on the class's real control plane, a publisher with an API
 * key, a {@link HostileProxy} in front of the control plane, and a real agent to enrol through that
 * proxy. Builds are a few hundred KB, so each install takes about a second.
 */
final class HostileWorld implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofMinutes(2);
  final Publisher publisher;
  final ControlPlaneFixture controlPlane;
  final ApiClient admin;
  final HostileProxy proxy;
  final AgentFixture agent;
  private final Path temp;

  private HostileWorld(ControlPlaneFixture controlPlane, Path temp) {
    this.controlPlane = controlPlane;
    this.temp = temp;
    this.publisher = controlPlane.newPublisher("hostile");
    this.admin = publisher.api();
    this.proxy = new HostileProxy(controlPlane.baseUrl());
    this.agent = AgentFixture.start(temp.resolve("agent"));
  }

  /** A world with product {@code game}, channel {@code stable}. */
  static HostileWorld create(ControlPlaneFixture controlPlane, Path temp) {
    HostileWorld w = new HostileWorld(controlPlane, temp);
    w.publisher.product("game", "stable");
    return w;
  }

  String org() {
    return publisher.organisation();
  }

  /** Enrols the agent with the proxy's URL as its control plane, and entitles it to products. */
  void enrolThroughProxy(String... entitledTo) {
    agent
        .post("/v1/enrolment", Map.of("controlPlane", proxy.url(), "organisation", org()))
        .assertSuccess();
    for (String product : entitledTo) {
      publisher.entitle(product, agent.deviceId());
    }
  }

  Release publish(String product, String channel, Map<String, byte[]> build, String display) {
    return publisher.publish(product, channel, build, display);
  }

  /** A directory to install into, alone in its own parent (so leftovers beside it show). */
  Path installDir(String name) {
    Path dir = temp.resolve("games-" + name).resolve("game");
    try {
      Files.createDirectories(dir.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  String startInstall(String product, String channel, Path dir) {
    return agent.install(product, channel, dir);
  }

  /** Installs through the local API and waits for the end; returns the last status. */
  JsonNode install(String product, String channel, Path dir) {
    return agent.awaitInstall(startInstall(product, channel, dir), TIMEOUT);
  }

  JsonNode status(String installId) {
    return agent.get("/v1/installs/" + installId).assertSuccess().json();
  }

  /** Installs and asserts it completed with exactly {@code build} on disk. */
  void installGenuine(String product, String channel, Path dir, Map<String, byte[]> build) {
    JsonNode done = install(product, channel, dir);
    assertThat(done.get("state").asString()).as(done.toString()).isEqualTo("COMPLETED");
    assertHolds(dir, build);
  }

  /** The install ended FAILED with this error code. */
  static void assertFailed(JsonNode status, String code) {
    assertThat(status.get("state").asString()).as(status.toString()).isEqualTo("FAILED");
    assertThat(status.get("error").get("code").asString()).as(status.toString()).isEqualTo(code);
  }

  /**
   * Installs {@code game/stable} into {@code dir} and asserts the agent refused it with {@code
   * code}, its message naming every one of {@code messageParts}, and kept {@code kept} installed
   * and recorded, untouched. Returns the install's status for the test's own further checks.
   */
  JsonNode assertInstallRefused(Path dir, String code, Release kept, String... messageParts)
      throws IOException {
    JsonNode status = install("game", "stable", dir);
    assertFailed(status, code);
    if (messageParts.length > 0) {
      assertThat(status.get("error").get("message").asString()).contains(messageParts);
    }
    assertHolds(dir, kept.files());
    assertAgentRecords(status.get("id").asString(), kept);
    return status;
  }

  /**
   * Each of the {@code tampered} ranges was asked for again: {@code ranges} has it twice or more.
   */
  static void assertFetchedAgain(List<String> tampered, List<String> ranges) {
    for (String range : tampered) {
      assertThat(ranges.stream().filter(range::equals).count())
          .as("the tampered piece %s was fetched again", range)
          .isGreaterThanOrEqualTo(2);
    }
  }

  /** The install of {@code status} completed with {@code release} in {@code dir}, recorded. */
  void assertInstalled(Path dir, JsonNode status, Release release) throws IOException {
    assertThat(status.get("state").asString()).as(status.toString()).isEqualTo("COMPLETED");
    assertHolds(dir, release.files());
    assertAgentRecords(status.get("id").asString(), release);
  }

  /**
   * {@code dir} holds exactly {@code build}, bit for bit (no file more or less), and nothing lies
   * beside it (no staging or old directory).
   */
  void assertHolds(Path dir, Map<String, byte[]> build) {
    assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(build);
    assertThat(GameBuilds.siblings(dir))
        .as("nothing beside the install directory")
        .containsExactly("game");
  }

  /** {@code dir} was never created and nothing was staged beside it. */
  static void assertNothingInstalled(Path dir) {
    assertThat(dir).doesNotExist();
    assertThat(GameBuilds.siblings(dir)).as("no staging directory left").isEmpty();
  }

  /**
   * The agent's own record of what is installed (its state file) still names {@code release}, and
   * its verify (every file's size and SHA-256 against that recorded manifest) finds the files
   * intact.
   */
  void assertAgentRecords(String installId, Release release) throws IOException {
    JsonNode state =
        JsonMapper.builder()
            .build()
            .readTree(Files.readString(agent.dataDir().resolve("installs/game-stable.json")));
    assertThat(state.get("version").asLong()).as(state.toString()).isEqualTo(release.version());
    assertThat(agent.dataDir().resolve("installs/game-stable.journal.json"))
        .as("no install left half done")
        .doesNotExist();
    JsonNode v = agent.post("/v1/installs/" + installId + "/verify", null).assertSuccess().json();
    assertThat(v.get("intact").asBoolean()).as(v.toString()).isTrue();
  }

  /** The trust root the agent pins now (its enrolment file). */
  TrustRoot pinnedRoot() throws IOException {
    JsonNode e =
        JsonMapper.builder()
            .build()
            .readTree(Files.readString(agent.dataDir().resolve("state/enrolment.json")));
    return TrustRoot.parse(Base64.getDecoder().decode(e.get("trustRoot").asString()));
  }

  /** A build of about 560 KB (three 256 KiB pieces in its full pack); seeds make others. */
  static Map<String, byte[]> build(long seed) {
    return GameBuilds.build(seed, 560_000);
  }

  /** The next version of a build: one file changed, one added (its pack is a small delta). */
  static Map<String, byte[]> patched(Map<String, byte[]> build, long seed) {
    Map<String, byte[]> next = new TreeMap<>(build);
    next.put("config/settings.ini", ("patched=" + seed + "\n").getBytes(StandardCharsets.UTF_8));
    next.put("data/patch-" + seed + ".pak", GameBuilds.bytes(seed * 10 + 7, 60_000));
    return next;
  }

  @Override
  public void close() {
    agent.close();
    proxy.close();
  }
}
