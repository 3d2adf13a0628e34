package dev.shoal.testkit.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.GameBuilds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;

/**
 * Publishing a patch from the dashboard, all real: the browser uploads a zip in Content-Range
 * chunks, the control plane's pipeline builds a signed release, and the page publishes it to a
 * share of devices, widens, pauses, resumes and rolls back.
 */
class ReleasesPageTest {

  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  @RegisterExtension static final Browser browser = new Browser(controlPlane);

  @TempDir static Path temp;

  private static Path zip(String name, String version) throws IOException {
    Map<String, byte[]> build =
        Map.of(
            "game.bin",
            GameBuilds.bytes(version.hashCode(), 512 * 1024),
            "data/version.txt",
            version.getBytes(StandardCharsets.UTF_8));
    return Files.write(temp.resolve(name), GameBuilds.zip(build));
  }

  private static WebElement row(int version) {
    return browser
        .driver()
        .findElement(By.xpath("//tbody[@id='releases']/tr[td[1]='" + version + "']"));
  }

  private static void uploadAndBuild(Path archive, String displayVersion) {
    browser.visible("release-archive").sendKeys(archive.toString());
    browser.driver().findElement(By.id("release-version")).sendKeys(displayVersion);
    browser.driver().findElement(By.cssSelector("#new-release button[type=submit]")).click();
    new WebDriverWait(browser.driver(), Duration.ofSeconds(90))
        .until(
            ExpectedConditions.or(
                ExpectedConditions.textToBePresentInElementLocated(
                    By.cssSelector("#new-release .message"), "is ready"),
                ExpectedConditions.textToBePresentInElementLocated(
                    By.cssSelector("#new-release .message"), "Could not")));
    assertThat(browser.driver().findElement(By.cssSelector("#new-release .message")).getText())
        .contains("(“" + displayVersion + "”) is ready");
  }

  /** Clicks a row's button, fills the rollout dialog, confirms. */
  private static void rollout(int version, String button, int percent) {
    row(version)
        .findElement(By.cssSelector("button[aria-label='" + button + " version " + version + "']"))
        .click();
    WebElement input = browser.visible("rollout-percent");
    input.clear();
    input.sendKeys(Integer.toString(percent));
    browser.driver().findElement(By.id("rollout-yes")).click();
  }

  @Test
  void publishesAPatchThenWidensPausesResumesAndRollsBack() throws IOException {
    controlPlane
        .admin()
        .post("/api/v1/products", Map.of("slug", "game", "name", "Game"))
        .assertSuccess();
    controlPlane
        .admin()
        .post("/api/v1/products/game/channels", Map.of("name", "stable"))
        .assertSuccess();
    browser.signInAsAdmin();

    browser.driver().findElement(By.linkText("game")).click();
    browser.visible(By.linkText("stable")).click();
    browser.textIn(By.id("channel-heading"), "Releases of game / stable");
    browser.visible("no-releases");

    uploadAndBuild(zip("build-1.zip", "1.0"), "1.0");
    browser.textIn(By.xpath("//tbody[@id='releases']/tr[td[1]='1']"), "not published");

    rollout(1, "Publish…", 10);
    browser.textIn(By.id("releases-status"), "Published version 1 to 10% of devices.");
    browser.textIn(By.xpath("//tbody[@id='releases']/tr[td[1]='1']"), "10% of devices");

    // The widen dialog offers what most people type: every device (it offered twice the share).
    row(1).findElement(By.cssSelector("button[aria-label='Widen… version 1']")).click();
    WebElement share = browser.visible("rollout-percent");
    assertThat(share.getAttribute("value")).isEqualTo("100");
    browser.screenshot("releases-widen-dialog");
    // Narrowing is refused by the API; the page says why in its words.
    share.clear();
    share.sendKeys("5");
    browser.driver().findElement(By.id("rollout-yes")).click();
    browser.textIn(By.id("releases-status"), "A rollout only widens");
    assertThat(browser.driver().findElement(By.id("releases-status")).getAttribute("class"))
        .contains("error");

    rollout(1, "Widen…", 50);
    browser.textIn(By.id("releases-status"), "now goes to 50% of devices");
    row(1).findElement(By.cssSelector("button[aria-label='Pause version 1']")).click();
    browser.textIn(By.xpath("//tbody[@id='releases']/tr[td[1]='1']"), "50% of devices, paused");
    row(1).findElement(By.cssSelector("button[aria-label='Resume version 1']")).click();
    browser.textIn(By.id("releases-status"), "Resumed the rollout of version 1");
    browser.screenshot("releases-1280");

    uploadAndBuild(zip("build-2.zip", "1.1"), "1.1");
    rollout(2, "Publish…", 100);
    browser.textIn(By.xpath("//tbody[@id='releases']/tr[td[1]='2']"), "100% of devices");

    row(1).findElement(By.cssSelector("button[aria-label='Roll back to this… version 1']")).click();
    WebElement dialog = browser.visible("confirm");
    assertThat(dialog.getText()).contains("Roll back to version 1?");
    browser.driver().findElement(By.id("confirm-yes")).click();
    browser.textIn(By.id("releases-status"), "Rolling back to version 1");
    new WebDriverWait(browser.driver(), Duration.ofSeconds(30))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.xpath("//tbody[@id='releases']/tr[td[1]='3']"), "roll-back to version 1"));

    JsonNode releases =
        controlPlane
            .admin()
            .get("/api/v1/products/game/channels/stable/releases")
            .assertSuccess()
            .json();
    assertThat(releases.toString()).contains("\"rollbackOf\":1");

    // Sizes: each row says the full download and the patch from the version before; the chosen
    // release's line lists its patch from each earlier version it serves.
    browser.textIn(By.xpath("//tbody[@id='releases']/tr[td[1]='2']"), "patch from 1: ");
    browser.textIn(By.xpath("//tbody[@id='releases']/tr[td[1]='2']"), "full 512.");
    String v2 = null;
    for (JsonNode r : releases) {
      if (r.get("version").asLong() == 2) {
        v2 = r.get("id").asString();
      }
    }
    new Select(browser.driver().findElement(By.id("channel-health-release"))).selectByValue(v2);
    browser.textIn(By.id("release-sizes"), "Version 2: full download 512.");
    browser.textIn(By.id("release-sizes"), "patches from version 1: ");

    browser.viewport(390, 844);
    browser.screenshot("releases-390");
    assertThat(((Number) browser.js("return document.body.scrollWidth")).longValue())
        .isLessThanOrEqualTo(((Number) browser.js("return window.innerWidth")).longValue());
  }
}
