package dev.shoal.testkit.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testkit.ControlPlaneFixture;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Debian chromium driven by the system's chromedriver (never a downloaded one), with a
 * fresh profile that is deleted on close. Slow to start on a loaded machine: one per test class, as
 * a JUnit extension registered after the control plane it browses: it starts before the class's
 * tests, checks after each test that no page logged a script error, and closes after all.
 */
final class Browser implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Duration WAIT = Duration.ofSeconds(15);

  private final ControlPlaneFixture controlPlane;
  private Path profile;
  private ChromeDriverService service;
  private ChromeDriver driver;
  private String baseUrl;

  Browser(ControlPlaneFixture controlPlane) {
    this.controlPlane = controlPlane;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    baseUrl = controlPlane.baseUrl();
    for (Path needed : new Path[] {CHROMIUM, CHROMEDRIVER}) {
      if (!Files.isExecutable(needed)) {
        throw new IllegalStateException(
            needed
                + " is missing: install Debian's chromium and chromium-driver"
                + " (scripts/install-test-deps.sh)");
      }
    }
    try {
      profile = Files.createTempDirectory("shoal-chromium-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .withLogFile(new File(profile.toFile(), "chromedriver.log"))
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,900",
        "--user-data-dir=" + profile.resolve("profile"));
    try {
      driver = new ChromeDriver(service, options);
    } catch (RuntimeException e) {
      service.stop();
      delete(profile);
      throw e;
    }
    driver.manage().timeouts().scriptTimeout(WAIT);
  }

  ChromeDriver driver() {
    return driver;
  }

  /** Opens a path of the control plane, e.g. {@code /dashboard/#users}. */
  void open(String path) {
    driver.get(baseUrl + path);
  }

  /**
   * Signs out whoever was signed in, signs in through Spring's form with a 1280x900 viewport and
   * waits for the dashboard to be ready.
   */
  void signIn(String username, String password) {
    viewport(1280, 900);
    driver.manage().deleteAllCookies();
    open("/login");
    visible("username").sendKeys(username);
    driver.findElement(By.id("password")).sendKeys(password);
    driver.findElement(By.cssSelector("button[type=submit]")).click();
    until(
        "the dashboard to load after signing in",
        () ->
            driver.getCurrentUrl().contains("/dashboard/")
                && "true".equals(js("return document.body.dataset.ready")));
  }

  void signInAsAdmin() {
    signIn(controlPlane.adminUsername(), controlPlane.adminPassword());
  }

  /** Sets the viewport (not the window) to width x height CSS pixels. */
  void viewport(int width, int height) {
    driver.manage().window().setSize(new Dimension(width, height));
    long innerWidth = ((Number) js("return window.innerWidth")).longValue();
    long innerHeight = ((Number) js("return window.innerHeight")).longValue();
    driver
        .manage()
        .window()
        .setSize(new Dimension(2 * width - (int) innerWidth, 2 * height - (int) innerHeight));
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  Object asyncJs(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
  }

  WebElement visible(By by) {
    return new WebDriverWait(driver, WAIT).until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  WebElement visible(String id) {
    return visible(By.id(id));
  }

  /** Waits until the element's text contains the given text; returns the element. */
  WebElement textIn(By by, String text) {
    new WebDriverWait(driver, WAIT)
        .until(ExpectedConditions.textToBePresentInElementLocated(by, text));
    return driver.findElement(by);
  }

  void until(String description, java.util.function.BooleanSupplier condition) {
    new WebDriverWait(driver, WAIT).withMessage(description).until(d -> condition.getAsBoolean());
  }

  /**
   * Script errors logged since the last call (uncaught exceptions, failed module loads); a failed
   * request's own "Failed to load resource" line is not one: the page handles those.
   */
  java.util.List<String> scriptErrors() {
    return driver.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
        .map(org.openqa.selenium.logging.LogEntry::getMessage)
        .filter(m -> !m.contains("Failed to load resource"))
        .toList();
  }

  /** Saves a PNG of the viewport under target/screenshots/ of the testkit module. */
  Path screenshot(String name) {
    Path dir = Path.of(System.getProperty("basedir", "."), "target", "screenshots");
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve(name + ".png");
      Files.copy(
          driver.getScreenshotAs(OutputType.FILE).toPath(),
          file,
          StandardCopyOption.REPLACE_EXISTING);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    assertThat(scriptErrors()).isEmpty();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (driver == null) {
      return;
    }
    try {
      driver.quit();
    } finally {
      service.stop();
      delete(profile);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory: best effort
    }
  }
}
