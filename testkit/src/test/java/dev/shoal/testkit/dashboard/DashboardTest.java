package dev.shoal.testkit.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testkit.AgentDevices;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.Device;
import dev.shoal.testsupport.Publisher;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The dashboard in headless chromium against a real control plane: sign-in, products and channels,
 * API keys, users, what each role is offered, errors in plain words, layout at 1280 and 390 px,
 * labels and keyboard. One browser and one control plane for the whole class.
 */
class DashboardTest {

  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  @RegisterExtension static final Browser browser = new Browser(controlPlane);

  /** Goes to a page by its hash and waits for its section to show. */
  private static void go(String hash, String sectionId) {
    browser.js("window.location.hash = arguments[0]", hash);
    browser.visible(sectionId);
  }

  /** Signs in as admin and goes to a page. */
  private static void openAsAdmin(String hash, String sectionId) {
    browser.signInAsAdmin();
    go(hash, sectionId);
  }

  /** Makes a product (named as its slug, which starts with {@code prefix}), signs in as admin. */
  private static String newProductAndAdminSignedIn(String prefix) {
    String product = slug(prefix);
    Publisher.of(controlPlane.admin()).product(product);
    browser.signInAsAdmin();
    return product;
  }

  private static String slug(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String viewer() {
    String username = slug("viewer");
    controlPlane
        .admin()
        .post(
            "/api/v1/users",
            Map.of("username", username, "password", "viewer-password-1", "role", "VIEWER"))
        .assertSuccess();
    return username;
  }

  @Test
  void adminSignsInAndSeesOrganisationRoleAndEverything() {
    browser.signInAsAdmin();

    String who = browser.visible("who").getText();
    assertThat(who)
        .contains(controlPlane.adminUsername(), controlPlane.organisation().name(), "admin");
    assertThat(browser.driver().findElements(By.cssSelector("#nav a")))
        .extracting(WebElement::getText)
        .containsExactly("Products", "Devices", "Consent", "Keys", "API keys", "Users");
    assertThat(browser.driver().findElement(By.id("new-product")).isDisplayed()).isTrue();

    browser.visible("signout").click();
    browser.until(
        "the login page", () -> browser.driver().getCurrentUrl().contains("/login?logout"));
    browser.open("/dashboard/");
    browser.until(
        "a redirect to sign in", () -> browser.driver().getCurrentUrl().endsWith("/login"));
  }

  @Test
  void createsAProductAndAChannelAndListsThem() {
    browser.signInAsAdmin();
    String product = slug("game");

    browser.visible("product-slug").sendKeys(product);
    browser.driver().findElement(By.id("product-name")).sendKeys("Game " + product);
    browser.driver().findElement(By.cssSelector("#new-product button[type=submit]")).click();

    browser.textIn(By.cssSelector("#new-product .message"), "Created product");
    browser.textIn(By.id("products"), product);

    browser.driver().findElement(By.linkText(product)).click();
    browser.textIn(By.id("product-heading"), "Game " + product);
    browser.visible("no-channels");
    browser.visible("channel-name").sendKeys("stable");
    browser.driver().findElement(By.cssSelector("#new-channel button[type=submit]")).click();
    browser.textIn(By.id("channels"), "stable");
    assertThat(browser.driver().findElement(By.id("no-channels")).isDisplayed()).isFalse();
    assertThat(
            controlPlane
                .admin()
                .get("/api/v1/products/" + product + "/channels")
                .assertSuccess()
                .body())
        .contains("\"stable\"");
  }

  @Test
  void anApiErrorIsShownInPlainWordsNextToTheForm() {
    String product = newProductAndAdminSignedIn("dup");

    browser.visible("product-slug").sendKeys(product);
    browser.driver().findElement(By.id("product-name")).sendKeys("Second");
    browser.driver().findElement(By.cssSelector("#new-product button[type=submit]")).click();

    WebElement message =
        browser.textIn(
            By.cssSelector("#new-product .message"), "Product '" + product + "' exists.");
    assertThat(message.getAttribute("class")).contains("error");
    assertThat(message.getAttribute("aria-live")).isEqualTo("polite");
  }

  @Test
  void aNetworkFailureSaysSo() {
    browser.signInAsAdmin();
    browser.js("window.fetch = () => Promise.reject(new TypeError('Failed to fetch'))");

    browser.visible("product-slug").sendKeys(slug("offline"));
    browser.driver().findElement(By.id("product-name")).sendKeys("Offline");
    browser.driver().findElement(By.cssSelector("#new-product button[type=submit]")).click();

    browser.textIn(
        By.cssSelector("#new-product .message"), "Could not reach the Shoal control plane");
    browser.driver().navigate().refresh();
  }

  @Test
  void anApiKeyIsShownOnceAndCanBeRevokedAfterConfirming() {
    openAsAdmin("#api-keys", "page-api-keys");
    String name = slug("ci");

    browser.visible("api-key-name").sendKeys(name);
    browser.driver().findElement(By.cssSelector("#new-api-key button[type=submit]")).click();

    WebElement panel = browser.visible("new-key");
    assertThat(panel.getText()).contains("You won't see this again");
    String token = browser.driver().findElement(By.id("new-key-token")).getDomProperty("value");
    assertThat(token).startsWith("shoal_");
    assertThat(browser.driver().findElement(By.id("copy-key")).isDisplayed()).isTrue();
    assertThat(controlPlane.client(token).get("/api/v1/me").status()).isEqualTo(200);
    browser.screenshot("api-key-created-1280");

    browser.driver().findElement(By.id("done-key")).click();
    assertThat(browser.driver().findElement(By.id("new-key")).isDisplayed()).isFalse();
    browser.driver().navigate().refresh();
    browser.until(
        "the keys list",
        () -> browser.driver().findElement(By.id("api-keys")).getText().contains(name));
    assertThat(browser.driver().getPageSource()).doesNotContain(token);

    WebElement row =
        browser.driver().findElement(By.xpath("//tbody[@id='api-keys']/tr[td[1]='" + name + "']"));
    row.findElement(By.tagName("button")).click();
    WebElement dialog = browser.visible("confirm");
    assertThat(dialog.getText()).contains(name, "stops working at once");
    dialog.findElement(By.cssSelector("button[value=cancel]")).click();
    browser.until(
        "the dialog to close", () -> !browser.driver().findElement(By.id("confirm")).isDisplayed());
    assertThat(controlPlane.client(token).get("/api/v1/me").status()).isEqualTo(200);

    row =
        browser.driver().findElement(By.xpath("//tbody[@id='api-keys']/tr[td[1]='" + name + "']"));
    row.findElement(By.tagName("button")).click();
    browser.visible("confirm").findElement(By.id("confirm-yes")).click();
    browser.textIn(By.id("api-keys-status"), "Revoked API key " + name);
    browser.textIn(By.xpath("//tbody[@id='api-keys']/tr[td[1]='" + name + "']"), "revoked");
    assertThat(controlPlane.client(token).get("/api/v1/me").status()).isEqualTo(401);
  }

  @Test
  void anAdminCreatesAUserWithARole() {
    openAsAdmin("#users", "page-users");
    String username = slug("rm");

    browser.visible("user-name").sendKeys(username);
    browser.driver().findElement(By.id("user-password")).sendKeys("a-long-password-123");
    new org.openqa.selenium.support.ui.Select(browser.driver().findElement(By.id("user-role")))
        .selectByValue("RELEASE_MANAGER");
    browser.driver().findElement(By.cssSelector("#new-user button[type=submit]")).click();

    browser.textIn(
        By.cssSelector("#new-user .message"), "Created user " + username + " (release manager)");
    browser.textIn(By.id("users"), username);

    // The new user signs in and gets what a release manager may do, no more.
    browser.signIn(username, "a-long-password-123");
    assertThat(browser.visible("who").getText()).contains(username, "release manager");
    assertThat(browser.driver().findElements(By.cssSelector("#nav a")))
        .extracting(WebElement::getText)
        .containsExactly("Products", "Devices", "Consent");
    assertThat(browser.driver().findElement(By.id("new-product")).isDisplayed()).isTrue();
  }

  @Test
  void aViewerIsOfferedNothingItMayNotDoAndAForcedCallIsExplained() {
    String viewer = viewer();
    String seen = slug("seen");
    controlPlane
        .admin()
        .post("/api/v1/products", Map.of("slug", seen, "name", "Seen"))
        .assertSuccess();
    controlPlane
        .admin()
        .post("/api/v1/products/" + seen + "/channels", Map.of("name", "stable"))
        .assertSuccess();
    browser.signIn(viewer, "viewer-password-1");

    assertThat(browser.visible("who").getText()).contains(viewer, "viewer");
    assertThat(browser.driver().findElements(By.cssSelector("#nav a")))
        .extracting(WebElement::getText)
        .containsExactly("Products", "Devices", "Consent");
    browser.textIn(By.id("products"), "Seen");
    assertThat(browser.driver().findElements(By.cssSelector("form"))).isEmpty();
    // Only read-only controls (reloading a chart) are offered.
    assertThat(browser.driver().findElements(By.cssSelector("main button:not([data-read-only])")))
        .filteredOn(WebElement::isDisplayed)
        .isEmpty();

    // A channel's releases are listed, with nothing to publish, pause or roll back.
    go("#channel/" + seen + "/stable", "page-channel");
    browser.visible("no-releases");
    assertThat(
            browser
                .driver()
                .findElements(By.cssSelector("main button:not([data-read-only]), form, dialog")))
        .isEmpty();

    // Typing the address of the API keys page: the API refuses, the page says why in plain words.
    go("#api-keys", "page-api-keys");
    browser.textIn(By.id("api-keys-error"), "You do not have permission to do this");
    assertThat(browser.driver().findElement(By.id("api-keys-error")).getAttribute("role"))
        .isEqualTo("alert");

    // A create forced from the console gets the same plain explanation.
    Object message =
        browser.asyncJs(
            "const done = arguments[arguments.length - 1];"
                + "import('/dashboard/api.js').then(({ api }) =>"
                + " api('/api/v1/products', { method: 'POST', body: { slug: 'forced', name: 'Forced' } }))"
                + ".then(() => done('created'), (e) => done(e.message));");
    assertThat(message).asString().startsWith("You do not have permission to do this");
  }

  @Test
  void pagesFitAt1280AndAt390PixelsWithoutHorizontalScroll() {
    String product = slug("wide-product-with-a-long-name");
    controlPlane
        .admin()
        .post(
            "/api/v1/products",
            Map.of("slug", product, "name", "A product with a rather long name to wrap"))
        .assertSuccess();
    controlPlane
        .admin()
        .post("/api/v1/products/" + product + "/channels", Map.of("name", "stable"))
        .assertSuccess();
    browser.signInAsAdmin();
    Map<String, String> pages = new java.util.LinkedHashMap<>();
    pages.putAll(
        Map.of(
            "products", "#products",
            "product", "#product/" + product,
            "channel", "#channel/" + product + "/stable",
            "api-keys", "#api-keys",
            "users", "#users",
            "devices", "#devices",
            "consent", "#consent",
            "keys", "#keys"));
    List<String> overflowing = new ArrayList<>();
    for (int width : new int[] {1280, 390}) {
      browser.viewport(width, width == 1280 ? 900 : 844);
      assertThat(((Number) browser.js("return window.innerWidth")).intValue()).isEqualTo(width);
      for (var page : pages.entrySet()) {
        go(page.getValue(), "page-" + page.getKey());
        browser.until(
            "the page " + page.getValue() + " to load",
            () ->
                (Boolean)
                    browser.js(
                        "const s = document.getElementById('page-' + arguments[0]);"
                            // Charts and counts: loaded, or the reason why not shown.
                            + "for (const b of s.querySelectorAll('.health-body'))"
                            + "  if (!b.textContent.trim() || b.hasAttribute('aria-busy')) return false;"
                            + "if (s.id === 'page-consent') return true;"
                            + "if (!s.querySelector('tbody'))"
                            + "  return !document.getElementById('trust-root').textContent.includes('loading');"
                            + "return s.querySelector('tbody').rows.length > 0"
                            + " || [...s.querySelectorAll('p[id^=\"no-\"]')].some(p => !p.hidden);",
                        page.getKey()));
        long scrollWidth = ((Number) browser.js("return document.body.scrollWidth")).longValue();
        long innerWidth = ((Number) browser.js("return window.innerWidth")).longValue();
        if (scrollWidth > innerWidth) {
          overflowing.add(page.getKey() + " at " + width + ": " + scrollWidth + " > " + innerWidth);
        }
        browser.screenshot(page.getKey() + "-" + width);
      }
    }
    assertThat(overflowing).isEmpty();
  }

  @Test
  void everyControlHasALabel() {
    browser.signInAsAdmin();
    List<String> unlabelled = new ArrayList<>();
    controlPlane.admin().post("/api/v1/products", Map.of("slug", "labels", "name", "Labels"));
    controlPlane.admin().post("/api/v1/products/labels/channels", Map.of("name", "beta"));
    for (String page :
        List.of(
            "products",
            "product/labels",
            "channel/labels/beta",
            "devices",
            "consent",
            "keys",
            "api-keys",
            "users")) {
      go("#" + page, "page-" + page.replaceAll("/.*", ""));
      @SuppressWarnings("unchecked")
      List<String> found =
          (List<String>)
              browser.js(
                  "return [...document.querySelectorAll('input, select, textarea')]"
                      + ".filter(c => c.type !== 'hidden')"
                      + ".filter(c => c.labels.length === 0 || [...c.labels].every(l => !l.textContent.trim()))"
                      + ".filter(c => !c.getAttribute('aria-label') && !c.getAttribute('aria-labelledby'))"
                      + ".map(c => c.id || c.name || c.outerHTML)");
      found.forEach(id -> unlabelled.add(page + ": " + id));
    }
    assertThat(unlabelled).isEmpty();
    assertThat(browser.js("return document.querySelectorAll('header, nav, main').length"))
        .isEqualTo(3L);
    assertThat(browser.js("return document.querySelectorAll('h1').length")).isEqualTo(8L);
  }

  @Test
  void theKeyboardReachesTheCreateProductFormWithAVisibleFocus() {
    browser.signInAsAdmin();
    browser.visible("new-product");
    List<String> reached = new ArrayList<>();
    for (int i = 0; i < 40 && !reached.contains("create-product"); i++) {
      new Actions(browser.driver()).sendKeys(Keys.TAB).perform();
      WebElement focused = browser.driver().switchTo().activeElement();
      String id = focused.getAttribute("id");
      if (id == null || id.isEmpty()) {
        id =
            "submit".equals(focused.getAttribute("type"))
                    && focused.getText().equals("Create product")
                ? "create-product"
                : focused.getTagName() + ":" + focused.getText();
      }
      reached.add(id);
      assertThat(browser.js("return getComputedStyle(document.activeElement).outlineStyle"))
          .as("focus outline of %s", id)
          .isNotEqualTo("none");
    }
    assertThat(reached).containsSubsequence("product-slug", "product-name", "create-product");
    assertThat(reached.get(0)).as("tab order %s", reached).isEqualTo("a:Skip to main content");
  }

  @Test
  void devicesAreListedAndAnAdminRevokesOneAfterConfirming(@TempDir Path temp) {
    Device device = AgentDevices.create(controlPlane.baseUrl(), temp.resolve("agent"));
    device.enrol(controlPlane.organisation().slug(), "eu-west").assertSuccess();
    openAsAdmin("#devices", "page-devices");

    By row = By.xpath("//tbody[@id='devices']/tr[td[1]='" + device.deviceId() + "']");
    assertThat(browser.textIn(row, "active").getText()).contains("eu-west");
    browser
        .driver()
        .findElement(By.cssSelector("button[aria-label='Revoke device " + device.deviceId() + "']"))
        .click();
    assertThat(browser.visible("confirm").getText()).contains("Revoke this device?");
    browser.driver().findElement(By.id("confirm-yes")).click();
    browser.textIn(By.id("devices-status"), "Revoked device " + device.deviceId());
    browser.textIn(row, "revoked");
    assertThat(controlPlane.admin().get("/api/v1/devices").assertSuccess().body())
        .contains("\"revokedAt\":\"");
  }

  @Test
  void anAdminRevokesEveryDeviceEnrolledSinceATime(@TempDir Path temp) {
    Device before = AgentDevices.create(controlPlane.baseUrl(), temp.resolve("before"));
    before.enrol(controlPlane.organisation().slug()).assertSuccess();
    // The form takes whole seconds of local time: start the wave at the next second.
    java.time.LocalDateTime since = java.time.LocalDateTime.now().plusSeconds(1).withNano(0);
    browser.until("the wave's second", () -> java.time.LocalDateTime.now().isAfter(since));
    List<Device> wave = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Device d = AgentDevices.create(controlPlane.baseUrl(), temp.resolve("wave" + i));
      d.enrol(controlPlane.organisation().slug()).assertSuccess();
      wave.add(d);
    }
    openAsAdmin("#devices", "page-devices");
    browser.visible("revoke-since-time");
    browser.js(
        "const i = document.getElementById('revoke-since-time'); i.value = arguments[0];",
        since.toString());
    browser.screenshot("devices-revoke-since-1280");
    browser.driver().findElement(By.cssSelector("#revoke-since button[type=submit]")).click();
    assertThat(browser.visible("confirm").getText())
        .contains("Revoke every device enrolled since then?");
    browser.driver().findElement(By.id("confirm-yes")).click();
    browser.textIn(By.cssSelector("#revoke-since .message"), "Revoked 3 devices enrolled since");
    for (Device d : wave) {
      browser.textIn(
          By.xpath("//tbody[@id='devices']/tr[td[1]='" + d.deviceId() + "']"), "revoked");
    }
    browser.textIn(
        By.xpath("//tbody[@id='devices']/tr[td[1]='" + before.deviceId() + "']"), "active");
    browser.screenshot("devices-revoked-since-1280");
  }

  @Test
  void anAdminRotatesTheSigningKeyAndAContentKey() {
    String product = newProductAndAdminSignedIn("keys");
    go("#keys", "page-keys");
    browser.until(
        "the trust root",
        () -> !browser.driver().findElement(By.id("trust-root")).getText().contains("loading"));

    browser.visible("rotate-signing").click();
    assertThat(browser.visible("confirm").getText()).contains("Rotate the release signing key?");
    browser.driver().findElement(By.id("confirm-yes")).click();
    String rotated = browser.textIn(By.id("signing-status"), "Rotated: new key").getText();
    assertThat(rotated).containsPattern("trust root version \\d+");
    browser.textIn(By.id("trust-root"), "Trust root: version");

    new org.openqa.selenium.support.ui.Select(
            browser.driver().findElement(By.id("content-product")))
        .selectByValue(product);
    browser.driver().findElement(By.cssSelector("#rotate-content button[type=submit]")).click();
    browser.textIn(
        By.cssSelector("#rotate-content .message"), "Rotated the content key of " + product);
  }
}
