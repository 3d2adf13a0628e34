package dev.shoal.testkit.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.Device;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;

/**
 * The devices page of an organisation with more devices than one page: the newest hundred first,
 * "Show more devices" for the rest, and a device whose player uninstalled the agent marked as left,
 * not revoked. 102 enrolled devices, the oldest of which left.
 */
class DevicePagesTest {

  // One source address enrols them all: no enrolment limit here.
  @RegisterExtension
  static final ControlPlaneFixture controlPlane =
      new ControlPlaneFixture().with("shoal.device.enrolment-limit", 0);

  @RegisterExtension static final Browser browser = new Browser(controlPlane);

  private static final List<String> newestFirst = new ArrayList<>();

  @BeforeAll
  static void aHundredAndTwoDevicesTheOldestOfWhichLeft() {
    String organisation = controlPlane.organisation().slug();
    for (int i = 0; i < 102; i++) {
      newestFirst.add(0, Device.create(controlPlane.baseUrl()).enrolled(organisation).deviceId());
    }
    Device leaving = Device.create(controlPlane.baseUrl()).enrolled(organisation);
    leaving.send("DELETE", "/api/v1/device/enrolment", new byte[0]).assertSuccess();
    newestFirst.add(0, leaving.deviceId());
  }

  /** The ids listed, read in one script run: the table is redrawn whole when a page comes. */
  private static List<String> listedIds() {
    Object ids =
        browser.js(
            "return [...document.querySelectorAll('#devices tr td:first-child')]"
                + ".map(td => td.textContent)");
    return ((List<?>) ids).stream().map(String::valueOf).toList();
  }

  @Test
  void aHundredAtATimeNewestFirstAndTheDeviceThatLeftSaysSo() {
    browser.signInAsAdmin();
    browser.js("window.location.hash = arguments[0]", "#devices");
    browser.visible("page-devices");
    browser.until("the first page is listed", () -> listedIds().size() == 100);
    assertThat(listedIds()).isEqualTo(newestFirst.subList(0, 100));
    By leftRow = By.xpath("//tbody[@id='devices']/tr[td[1]='" + newestFirst.get(0) + "']");
    assertThat(browser.driver().findElement(leftRow).getText())
        .contains("left", "(agent uninstalled)")
        .doesNotContain("revoked");
    browser.screenshot("devices-first-page-1280");

    browser.visible("devices-more").click();
    browser.until("the next page is added below", () -> listedIds().size() == newestFirst.size());
    assertThat(listedIds()).isEqualTo(newestFirst);
    assertThat(browser.driver().findElement(By.id("devices-more")).isDisplayed())
        .as("no more to show")
        .isFalse();
    assertThat(browser.scriptErrors()).isEmpty();
    browser.screenshot("devices-all-1280");
  }
}
