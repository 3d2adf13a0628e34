package dev.shoal.testkit.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.bandwidth.BandwidthSettings;
import dev.shoal.agent.consent.AskedWhere;
import dev.shoal.agent.consent.ConsentLedger;
import dev.shoal.agent.consent.ConsentScope;
import dev.shoal.agent.consent.ConsentTexts;
import dev.shoal.agent.fs.DataDir;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.PackEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.protocol.torrent.AnnounceResponse;
import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.swarm.Progress;
import dev.shoal.swarm.Swarm;
import dev.shoal.swarm.SwarmConfig;
import dev.shoal.swarm.TorrentHandle;
import dev.shoal.swarm.TorrentJob;
import dev.shoal.testkit.AgentDevices;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.Announces;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;
import tools.jackson.databind.JsonNode;

/**
 * The swarm-health charts and the consent counts with real data only: a release is built and
 * published, a device (the agent's identity) enrols, downloads the pack over BitTorrent from the
 * control plane's seeder with the swarm engine, reports the download, and sends the consent records
 * its agent's ledger wrote; the pages then chart exactly those numbers, with a table of them for
 * screen readers, at 1280 and 390 px.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwarmHealthPageTest {

  // Sample the tracker and the origin every second, so the test need not wait 45 s.
  @RegisterExtension
  static final ControlPlaneFixture controlPlane =
      new ControlPlaneFixture().with("shoal.health.sample-interval", "1s");

  @RegisterExtension static final Browser browser = new Browser(controlPlane);

  @TempDir static Path temp;

  private static Device device;
  private static Progress progress;
  private static long fullPackBytes;

  private static ApiClient admin() {
    return controlPlane.admin();
  }

  /** Publishes a zip of a game binary and a version file to every device; returns its id. */
  private static String publish(String product, String channel, long seed) {
    Map<String, byte[]> build =
        Map.of(
            "game.bin",
            GameBuilds.bytes(seed, 1_500_000),
            "data/version.txt",
            ("build " + seed).getBytes(StandardCharsets.UTF_8));
    return controlPlane
        .publisher()
        .publish(product, channel, build, "1.0." + seed, 100, Publisher.Packaging.ZIP)
        .id();
  }

  private static List<?> announce(Metainfo meta) throws Exception {
    AnnounceResponse response =
        Announces.send(
            Announces.request(
                        meta.infoHash(),
                        Announces.randomPeerId(),
                        0,
                        meta.length(),
                        AnnounceRequest.Event.STARTED)
                    .toUrl(meta.announce())
                + "&upload=0");
    assertThat(response.failureReason()).isNull();
    return response.peers();
  }

  private static JsonNode releaseHealth(String releaseId) {
    Instant now = Instant.now();
    return admin()
        .get(
            "/api/v1/releases/"
                + releaseId
                + "/health?step=60&from="
                + now.minusSeconds(3600)
                + "&to="
                + now.plusSeconds(60))
        .assertSuccess()
        .json();
  }

  /** A clock one second further at each reading: the ledger's answers get distinct times. */
  private static Clock ticking(Instant start) {
    return new Clock() {
      private Instant next = start;

      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public synchronized Instant instant() {
        Instant now = next;
        next = next.plusSeconds(1);
        return now;
      }
    };
  }

  @Test
  @Order(1)
  void aRealDownloadAndRealConsentAreChartedWithATableOfTheNumbers() throws Exception {
    admin().post("/api/v1/products", Map.of("slug", "game", "name", "Game")).assertSuccess();
    admin().post("/api/v1/products/game/channels", Map.of("name", "stable")).assertSuccess();
    String releaseId = publish("game", "stable", 1);

    device = AgentDevices.create(controlPlane.baseUrl(), temp.resolve("agent"));
    device.enrol(controlPlane.organisation().slug()).assertSuccess();
    admin()
        .post("/api/v1/products/game/entitlements", Map.of("deviceId", device.deviceId()))
        .assertSuccess();
    byte[] envelope =
        device.get("/api/v1/device/products/game/channels/stable/manifest").assertSuccess().bytes();
    ReleaseManifest manifest = ManifestCodec.parse(SignedEnvelope.parse(envelope).payload());
    PackEntry full = manifest.fullPack();
    fullPackBytes = full.totalSize();
    byte[] torrent =
        device.get("/api/v1/device/packs/" + full.infoHash() + "/torrent").assertSuccess().bytes();
    Metainfo meta = Metainfo.parse(torrent);
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> announce(meta).size() == 1);

    // The device downloads the pack from the origin seeder and stays in the swarm (seeding)
    // until the control plane has sampled it and counted the seeder's bytes.
    try (Swarm swarm = Swarm.start(SwarmConfig.builder().bindAddress("127.0.0.1").build());
        TorrentHandle handle = swarm.add(TorrentJob.of(torrent, temp.resolve("full.pack")))) {
      progress = handle.awaitCompletion(Duration.ofMinutes(2));
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                JsonNode totals = releaseHealth(releaseId).get("totals");
                return totals.get("peakActivePeers").asInt() >= 1
                    && totals.get("originSeederBytes").asLong() >= fullPackBytes;
              });
    }
    // All of it from the seeder: as peer bytes, or as origin bytes when the engine recognises it.
    assertThat(progress.fromPeers() + progress.fromOrigin()).isGreaterThanOrEqualTo(fullPackBytes);
    device
        .reportDownload(
            releaseId, progress.fromPeers(), progress.fromOrigin(), progress.uploaded(), 2000, "ok")
        .assertSuccess();

    // The agent's own ledger records the player's answers and queues them in its outbox; the
    // device sends each outbox line as it is.
    DataDir agentDir = DataDir.open(temp.resolve("ledger"));
    ConsentTexts texts = ConsentTexts.shipped();
    ConsentLedger ledger =
        ConsentLedger.open(
            agentDir,
            device.deviceId(),
            ticking(Instant.now().minusSeconds(30)),
            texts,
            () -> BandwidthSettings.DEFAULTS);
    String download =
        texts.render(ConsentScope.DOWNLOAD_FROM_PEERS, "en", BandwidthSettings.DEFAULTS).sha256();
    String upload =
        texts.render(ConsentScope.UPLOAD_TO_PEERS, "en", BandwidthSettings.DEFAULTS).sha256();
    ledger.grant(ConsentScope.DOWNLOAD_FROM_PEERS, download, AskedWhere.INSTALLER);
    ledger.withdraw(ConsentScope.DOWNLOAD_FROM_PEERS, AskedWhere.SETTINGS);
    ledger.grant(ConsentScope.DOWNLOAD_FROM_PEERS, download, AskedWhere.LAUNCHER);
    ledger.grant(ConsentScope.UPLOAD_TO_PEERS, upload, AskedWhere.LAUNCHER);
    List<String> outbox =
        Files.readAllLines(agentDir.outboxDir().resolve("consent.jsonl")).stream()
            .filter(line -> !line.isBlank())
            .toList();
    assertThat(outbox).hasSize(4);
    Instant firstSent = Instant.now();
    for (String line : outbox) {
      assertThat(
              device
                  .send("POST", "/api/v1/device/consent", line.getBytes(StandardCharsets.UTF_8))
                  .status())
          .as(line)
          .isEqualTo(201);
    }
    // The outbox sent again after a lost answer: nothing new is stored. (Signed a second before
    // the first sending, so that its signature differs from every earlier one.)
    assertThat(
            device
                .send(
                    "POST",
                    "/api/v1/device/consent",
                    outbox.get(0).getBytes(StandardCharsets.UTF_8),
                    firstSent.minusSeconds(1))
                .status())
        .isEqualTo(200);

    browser.signInAsAdmin();
    browser.js("window.location.hash = '#channel/game/stable'");
    browser.textIn(By.id("channel-heading"), "Releases of game / stable");
    showLastHour("channel-health");
    assertThat(
            new Select(browser.driver().findElement(By.id("channel-health-release")))
                .getFirstSelectedOption()
                .getText())
        .contains("Version 1", "100% of devices");
    checkAndPicture("channel-health", "swarm-health-release");

    browser.js("window.location.hash = '#product/game'");
    showLastHour("product-health");
    checkAndPicture("product-health", "swarm-health-product");

    browser.js("window.location.hash = '#consent'");
    new Select(browser.visible("consent-range")).selectByValue("hour");
    browser.until(
        "the consent charts",
        () ->
            !browser.driver().findElements(By.cssSelector("#consent-devices canvas")).isEmpty()
                && "true"
                    .equals(
                        browser.js("return document.getElementById('consent-body').dataset.loaded"))
                && browser.js(
                        "return document.getElementById('consent-body').getAttribute('aria-busy')")
                    == null);
    assertThat(total("consent-now", "enrolledDevices")).isEqualTo("1");
    assertThat(total("consent-now", "downloadConsent")).isEqualTo("1");
    assertThat(total("consent-now", "uploadConsent")).isEqualTo("1");
    assertThat(total("consent-now", "neverAnswered")).isEqualTo("0");
    assertThat(columnSum("consent-withdrawals", "Download consent withdrawn")).isEqualTo(1);
    assertThat(columnSum("consent-withdrawals", "Upload consent withdrawn")).isZero();
    assertThat(columnSum("consent-grants", "Download consent given")).isEqualTo(2);
    assertThat(columnSum("consent-grants", "Upload consent given")).isEqualTo(1);
    assertThat(columnMax("consent-devices", "Enrolled devices")).isEqualTo(1);
    assertThat(columnMax("consent-devices", "Upload consent")).isEqualTo(1);
    assertThat((String) browser.js("return document.getElementById('page-consent').textContent"))
        .doesNotContain(device.deviceId());
    chartIsAccessible("consent-withdrawals");
    screenshotOf("page-consent", "consent-1280");
    fitsAt390("consent-390");
    browser.viewport(1280, 900);
  }

  @Test
  @Order(2)
  void withoutActivityThePagesSaySoAndDrawNothing() throws Exception {
    admin().post("/api/v1/products", Map.of("slug", "quiet", "name", "Quiet")).assertSuccess();
    admin().post("/api/v1/products/quiet/channels", Map.of("name", "empty")).assertSuccess();
    admin().post("/api/v1/products/quiet/channels", Map.of("name", "stable")).assertSuccess();
    browser.signInAsAdmin();

    browser.js("window.location.hash = '#channel/quiet/empty'");
    browser.textIn(By.id("channel-health-body"), "No release of this channel is built yet");
    assertThat(browser.driver().findElement(By.id("channel-health-release")).isEnabled()).isFalse();

    publish("quiet", "stable", 2);
    browser.js("window.location.hash = '#channel/quiet/stable'");
    browser.textIn(By.id("channel-health-body"), "No activity for version 1");
    assertThat(browser.driver().findElements(By.cssSelector("#channel-health-body canvas")))
        .isEmpty();
    assertThat(
            browser
                .driver()
                .findElement(By.cssSelector("#channel-health-body [data-total=downloads]"))
                .getText())
        .isEqualTo("0");

    browser.js("window.location.hash = '#product/quiet'");
    browser.textIn(By.id("product-health-body"), "No activity for product quiet");
    assertThat(browser.driver().findElements(By.cssSelector("#product-health-body canvas")))
        .isEmpty();
    browser.screenshot("swarm-health-empty-1280");
  }

  @Test
  @Order(3)
  void failuresAreSaidInPlainWords() {
    browser.signInAsAdmin();
    browser.js("window.location.hash = '#product/game'");
    waitForCharts("product-health");
    browser.js("window.fetch = () => Promise.reject(new TypeError('Failed to fetch'))");
    browser.driver().findElement(By.id("product-health-refresh")).click();
    browser.textIn(
        By.id("product-health-status"),
        "Could not load the swarm health of product game: Could not reach the Shoal control plane");
    assertThat(browser.driver().findElements(By.cssSelector("#product-health-body canvas")))
        .as("no stale chart left beside the error")
        .isEmpty();

    browser.driver().navigate().refresh();
    browser.until(
        "the dashboard", () -> "true".equals(browser.js("return document.body.dataset.ready")));
    browser.js("window.location.hash = '#product/no-such-product'");
    browser.textIn(By.id("product-error"), "Could not load this product: Not found");
    assertThat(browser.driver().findElement(By.id("product-health-status")).getText()).isEmpty();
  }

  /** Shows the last hour in the health section {@code prefix} and waits for its charts. */
  private static void showLastHour(String prefix) {
    new Select(browser.visible(prefix + "-range")).selectByValue("hour");
    waitForCharts(prefix);
  }

  /**
   * Checks the health section {@code prefix}, pictures it 1280 and 390 pixels wide, and sets the
   * viewport back to 1280x900.
   */
  private static void checkAndPicture(String prefix, String picture) {
    checkSwarmHealth(prefix);
    screenshotOf(prefix, picture + "-1280");
    fitsAt390(picture + "-390");
    browser.viewport(1280, 900);
  }

  private static void waitForCharts(String prefix) {
    browser.until(
        "the " + prefix + " charts",
        () ->
            !browser
                    .driver()
                    .findElements(By.cssSelector("#" + prefix + "-egress canvas"))
                    .isEmpty()
                && browser.js(
                        "return document.getElementById(arguments[0]).getAttribute('aria-busy')",
                        prefix + "-body")
                    == null);
  }

  /** Checks the numbers shown against what the device really did and the origin really sent. */
  private static void checkSwarmHealth(String prefix) {
    assertThat(total(prefix + "-body", "downloads")).isEqualTo("1");
    assertThat(total(prefix + "-body", "failures")).isEqualTo("0");
    assertThat(columnSum(prefix + "-downloads", "Completed")).isEqualTo(1);
    assertThat(columnSum(prefix + "-bytes", "From peers")).isEqualTo(progress.fromPeers());
    assertThat(columnSum(prefix + "-bytes", "From the origin")).isEqualTo(progress.fromOrigin());
    assertThat(columnMax(prefix + "-peers", "Devices in the swarm")).isGreaterThanOrEqualTo(1);
    assertThat(columnMax(prefix + "-peers", "Offering uploads (upload consent)"))
        .isGreaterThanOrEqualTo(1);
    assertThat(columnSum(prefix + "-egress", "BitTorrent seeder"))
        .isGreaterThanOrEqualTo(fullPackBytes);
    double share = (double) progress.fromPeers() / (progress.fromPeers() + progress.fromOrigin());
    List<Double> shares = column(prefix + "-offload", "Share of bytes from peers");
    // One interval with bytes; a share of 0 (all from the origin) is a number too.
    assertThat(shares).hasSize(1);
    assertThat(shares.get(0)).isCloseTo(share, org.assertj.core.data.Offset.offset(1e-9));
    for (String chart : List.of("peers", "downloads", "bytes", "offload", "egress")) {
      chartIsAccessible(prefix + "-" + chart);
    }
  }

  /** The figure's canvas is one image with a summary, and its table has headers and a caption. */
  private static void chartIsAccessible(String figureId) {
    String label =
        (String)
            browser.js(
                "const c = document.querySelector('#' + arguments[0] + ' .chart');"
                    + "return c.getAttribute('role') + '|' + c.getAttribute('aria-label');",
                figureId);
    assertThat(label).startsWith("img|").hasSizeGreaterThan(20);
    assertThat(
            browser.js(
                "return document.querySelectorAll('#' + arguments[0] + ' table caption, #'"
                    + " + arguments[0] + ' th[scope=col]').length",
                figureId))
        .as("caption and column headers of %s", figureId)
        .isNotEqualTo(0L);
    assertThat(
            browser
                .driver()
                .findElements(By.cssSelector("#" + figureId + " details summary"))
                .size())
        .isEqualTo(1);
  }

  private static String total(String containerId, String key) {
    return (String)
        browser.js(
            "return document.querySelector('#' + arguments[0] + ' [data-total=' + arguments[1]"
                + " + ']').textContent",
            containerId,
            key);
  }

  private static List<Double> column(String figureId, String label) {
    List<?> values =
        (List<?>)
            browser.js(
                "return [...document.querySelectorAll('#' + arguments[0] + ' tbody td')]"
                    + ".filter(td => td.dataset.label === arguments[1] && td.dataset.value !== '')"
                    + ".map(td => Number(td.dataset.value))",
                figureId,
                label);
    return values.stream().map(v -> ((Number) v).doubleValue()).toList();
  }

  private static long columnSum(String figureId, String label) {
    return Math.round(column(figureId, label).stream().mapToDouble(Double::doubleValue).sum());
  }

  private static long columnMax(String figureId, String label) {
    return Math.round(
        column(figureId, label).stream().mapToDouble(Double::doubleValue).max().orElse(-1));
  }

  private static void fitsAt390(String screenshot) {
    browser.viewport(390, 844);
    // The charts follow their container's width.
    browser.until(
        "the charts to shrink to the window",
        () ->
            (Boolean)
                browser.js(
                    "return [...document.querySelectorAll('.chart canvas')]"
                        + ".filter(c => c.offsetParent !== null)"
                        + ".every(c => c.getBoundingClientRect().right <= window.innerWidth)"));
    assertThat(((Number) browser.js("return document.body.scrollWidth")).longValue())
        .isLessThanOrEqualTo(((Number) browser.js("return window.innerWidth")).longValue());
    browser.js("document.querySelector('.page:not([hidden]) .health-body').scrollIntoView()");
    browser.screenshot(screenshot);
  }

  /** A tall window scrolled to the element, so that the picture holds the charts. */
  private static void screenshotOf(String id, String name) {
    browser.viewport(1280, 2200);
    browser.js("document.getElementById(arguments[0]).scrollIntoView()", id);
    browser.screenshot(name);
    browser.viewport(1280, 900);
  }
}
