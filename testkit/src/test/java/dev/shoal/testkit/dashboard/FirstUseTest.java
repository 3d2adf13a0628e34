package dev.shoal.testkit.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * What a new user met on first use (issue 24): which release devices get now, what is known about
 * each device, charts that span a young swarm and the page's width with no line hidden by another,
 * Shoal's own sign-in page and an API description that shows the key's format. One control plane
 * with three releases of game/stable (the newest at 10 %) and one device that installed version 2.
 */
class FirstUseTest {

  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  @RegisterExtension static final Browser browser = new Browser(controlPlane);

  private static Device device;

  private static Publisher.Release release(long seed, int rollout) {
    Map<String, byte[]> build =
        Map.of(
            "game.bin",
            GameBuilds.bytes(seed, 256 * 1024),
            "data/version.txt",
            ("build " + seed).getBytes(StandardCharsets.UTF_8));
    return controlPlane
        .publisher()
        .publish("game", "stable", build, "1.0." + seed, rollout, Publisher.Packaging.ZIP);
  }

  @BeforeAll
  static void threeReleasesAndADevice() {
    controlPlane.publisher().product("game", "stable");
    release(1, 100);
    Publisher.Release second = release(2, 100);
    release(3, 10);
    device = Device.create(controlPlane.baseUrl());
    device.enrol(controlPlane.organisation().slug(), "eu-west").assertSuccess();
    controlPlane.publisher().entitle("game", device.deviceId());
    device.reportDownload(second.id(), 1000, 2000, 0, 1500, "ok").assertSuccess();
  }

  private static WebElement row(int version) {
    return browser
        .driver()
        .findElement(By.xpath("//tbody[@id='releases']/tr[td[1]='" + version + "']"));
  }

  private static void go(String hash, String sectionId) {
    browser.js("window.location.hash = arguments[0]", hash);
    browser.visible(sectionId);
  }

  @Test
  void releasesSayWhichOneDevicesGetNowAndWhichAreReplaced() {
    browser.signInAsAdmin();
    go("#channel/game/stable", "page-channel");
    browser.textIn(By.xpath("//tbody[@id='releases']/tr[td[1]='1']"), "replaced by version");

    // Version 1 is set to 100 % but versions 2 and 3 took every device: no "100 %", no Pause.
    assertThat(row(1).getText()).contains("replaced by versions 3 and 2");
    assertThat(row(1).getText()).doesNotContain("100% of devices");
    assertThat(row(1).findElements(By.cssSelector("button[aria-label='Pause version 1']")))
        .isEmpty();
    assertThat(row(1).findElements(By.cssSelector("button[aria-label^='Roll back']"))).isNotEmpty();
    // Version 2 reaches the 90 % that version 3 (at 10 %) does not: it is the current release.
    assertThat(row(2).getText())
        .contains("90% of devices (set to 100%; version 3 reached the other 10%)", "current");
    assertThat(row(2).getAttribute("class")).contains("current");
    assertThat(row(3).getText()).contains("10% of devices").doesNotContain("current");
    assertThat(row(1).getText()).doesNotContain("current");
    // Pack and patch sizes stay listed.
    assertThat(row(3).getText()).contains("full ", "patch from 2: ");
    browser.screenshot("releases-current-1280");
  }

  @Test
  void devicesShowTheirPlayerInstalledVersionLastSeenAndRegion() {
    browser.signInAsAdmin();
    go("#devices", "page-devices");
    By row = By.xpath("//tbody[@id='devices']/tr[td[1]='" + device.deviceId() + "']");
    browser.textIn(row, "game version 2");
    WebElement cells = browser.driver().findElement(row);
    assertThat(cells.getText()).contains("game version 2 (“1.0.2”)", "eu-west");
    String lastSeen =
        cells.findElement(By.cssSelector("td[data-label='Last seen'] time")).getText();
    assertThat(lastSeen).matches("just now|\\d+ (second|minute)s? ago");
    assertThat(
            browser.driver().findElements(By.cssSelector("#page-devices thead th")).stream()
                .map(WebElement::getText)
                .toList())
        .containsSubsequence("Device", "Player", "Installed", "Last seen", "Region", "Enrolled");
    browser.screenshot("devices-details-1280");
  }

  @Test
  void chartsSpanTheSwarmsLifeAndThePageWidthAndNoLineHidesAnother() {
    browser.signInAsAdmin();
    go("#channel/game/stable", "page-channel");
    // Version 2 is the one the device reported installing (the newest, 3, has no activity).
    Select release = new Select(browser.visible("channel-health-release"));
    release.selectByValue(
        release.getOptions().stream()
            .filter(o -> o.getText().startsWith("Version 2 "))
            .findFirst()
            .orElseThrow()
            .getAttribute("value"));
    browser.until(
        "the release's download chart",
        () ->
            !browser
                    .driver()
                    .findElements(By.cssSelector("#channel-health-downloads canvas"))
                    .isEmpty()
                && browser.js(
                        "return document.getElementById('channel-health-body')"
                            + ".getAttribute('aria-busy')")
                    == null);
    // The default range starts at the release's publish, minutes ago: a handful of points, not
    // 96 quarter-hours with the swarm in the last one.
    assertThat(
            new Select(browser.driver().findElement(By.id("channel-health-range")))
                .getFirstSelectedOption()
                .getText())
        .isEqualTo("Since the first publish");
    assertThat(points("channel-health-downloads")).isBetween(1, 30);
    assertThat(widthShare("channel-health-downloads")).isGreaterThan(0.9);
    screenshotOf("channel-health", "swarm-health-since-publish-1280");

    go("#consent", "page-consent");
    browser.until(
        "the consent charts",
        () ->
            !browser.driver().findElements(By.cssSelector("#consent-devices canvas")).isEmpty()
                && browser.js(
                        "return document.getElementById('consent-body').getAttribute('aria-busy')")
                    == null);
    assertThat(points("consent-devices")).isBetween(1, 30);
    assertThat(widthShare("consent-devices")).isGreaterThan(0.9);
    // Nobody answered: download and upload consent are both 0 all along, one line on the other.
    // The later line is thinner, so both show, and the legend says they coincide.
    assertThat(browser.driver().findElement(By.cssSelector("#consent-devices .legend")).getText())
        .contains("Upload consent (the same line as Download consent)");
    List<?> widths =
        (List<?>)
            browser.js(
                "return [...document.querySelectorAll('#consent-devices .swatch')]"
                    + ".map(s => parseFloat(getComputedStyle(s).borderTopWidth))");
    assertThat(((Number) widths.get(0)).doubleValue())
        .isGreaterThan(((Number) widths.get(1)).doubleValue());
    assertThat(((Number) widths.get(1)).doubleValue())
        .isGreaterThan(((Number) widths.get(2)).doubleValue());
    screenshotOf("page-consent", "consent-since-enrolment-1280");
  }

  @Test
  void theSignInPageIsShoalsAndSaysWhatWentWrong() {
    browser.driver().manage().deleteAllCookies();
    browser.viewport(1280, 900);
    browser.open("/login");
    browser.visible("username");
    assertThat(browser.driver().getTitle()).isEqualTo("Sign in · Shoal");
    assertThat(browser.driver().findElement(By.tagName("h1")).getText())
        .isEqualTo("Sign in to the Shoal dashboard");
    assertThat(browser.driver().findElement(By.cssSelector("label[for=username]")).getText())
        .isEqualTo("Username");
    browser.screenshot("sign-in-1280");

    browser.driver().findElement(By.id("username")).sendKeys(controlPlane.adminUsername());
    browser.driver().findElement(By.id("password")).sendKeys("not the password");
    browser.driver().findElement(By.cssSelector("button[type=submit]")).click();
    browser.textIn(By.id("sign-in-message"), "Wrong username or password");
    browser.viewport(390, 844);
    assertThat(((Number) browser.js("return document.body.scrollWidth")).longValue())
        .isLessThanOrEqualTo(((Number) browser.js("return window.innerWidth")).longValue());
    browser.screenshot("sign-in-error-390");
    browser.viewport(1280, 900);

    // The icon browsers ask every page for is served (it was a 404 and a WARN line each time).
    Object icon =
        browser.asyncJs(
            "const done = arguments[arguments.length - 1];"
                + "fetch('/favicon.ico').then(r => r.blob().then(b => done(r.status + ' '"
                + " + r.headers.get('content-type') + ' ' + b.size)));");
    assertThat((String) icon).startsWith("200 image/").doesNotEndWith(" 0");

    browser.signInAsAdmin();
    assertThat(browser.driver().getCurrentUrl()).contains("/dashboard/");
  }

  @Test
  void theApiDescriptionShowsTheKeysFormat() {
    browser.viewport(1280, 900);
    browser.open("/swagger-ui.html");
    // Swagger UI's scripts and the first generation of the description take a while on a busy
    // machine (13 s seen): more than the usual wait.
    new WebDriverWait(browser.driver(), Duration.ofSeconds(60))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector(".info"), "Publisher API"));
    WebElement info = browser.driver().findElement(By.cssSelector(".info"));
    assertThat(info.getText()).contains("Authorization: Bearer shoal_<prefix>_<secret>");
    browser.screenshot("api-description-1280");
  }

  /** How many time buckets the chart was drawn with. */
  private static int points(String figureId) {
    return Integer.parseInt(
        (String)
            browser.js("return document.getElementById(arguments[0]).dataset.points", figureId));
  }

  /** The chart canvas's width as a share of the page's content width. */
  private static double widthShare(String figureId) {
    return ((Number)
            browser.js(
                "const main = document.getElementById('main');"
                    + "const style = getComputedStyle(main);"
                    + "const inner = main.clientWidth - parseFloat(style.paddingLeft)"
                    + " - parseFloat(style.paddingRight);"
                    + "const canvas = document.querySelector('#' + arguments[0] + ' canvas');"
                    + "return canvas.getBoundingClientRect().width / inner;",
                figureId))
        .doubleValue();
  }

  /** A picture of the whole section: the viewport made tall enough to hold it. */
  private static void screenshotOf(String sectionId, String name) {
    long height =
        ((Number)
                browser.js(
                    "const r = document.getElementById(arguments[0]).getBoundingClientRect();"
                        + "return Math.ceil(r.bottom + window.scrollY + 16);",
                    sectionId))
            .longValue();
    browser.viewport(1280, (int) Math.min(4000, Math.max(900, height)));
    browser.screenshot(name);
    browser.viewport(1280, 900);
  }
}
