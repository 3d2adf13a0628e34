package dev.shoal.testkit.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.cli.ShoalAgent;
import dev.shoal.controlplane.identity.Role;
import dev.shoal.testkit.AgentFixture;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The agent's own status page, the one a player opens with {@code shoal-agent status --open}, in
 * headless chromium after what a new player goes through: an install refused (not entitled yet),
 * the grant, the install, and a check that finds the game up to date. The page must read as one
 * game at one version (not a stale failure next to two "completed" lines), name the cached pack by
 * game and version, style its buttons, and tell the truth about uninstalling.
 */
class PlayerStatusPageTest {

  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  @RegisterExtension static final Browser browser = new Browser(controlPlane);

  @TempDir static Path temp;

  @Test
  void showsOneLinePerGameWithVersionAndTimeNamedPacksAndStyledButtons() {
    String apiKey =
        controlPlane.createApiKey(controlPlane.createOrganisation("players"), Role.ADMIN);
    Publisher studio = Publisher.of(controlPlane.baseUrl(), apiKey).product("demo", "live");
    Publisher.Release v1 = studio.publish("demo", "live", GameBuilds.build(7, 600_000), "1.0.0");
    Path dir = temp.resolve("Games/demo");
    try (AgentFixture agent = AgentFixture.start(temp.resolve("agent"))) {
      agent.enrol(controlPlane, studio.organisation());
      String refused = agent.install("demo", "live", dir);
      assertThat(agent.awaitInstall(refused, Duration.ofMinutes(2)).path("state").asString())
          .isEqualTo("FAILED");
      studio.entitle("demo", agent.deviceId());
      for (int run = 0; run < 2; run++) { // installs, then finds it up to date
        String id = agent.install("demo", "live", dir);
        assertThat(agent.awaitInstall(id, Duration.ofMinutes(2)).path("state").asString())
            .isEqualTo("COMPLETED");
      }

      // With both consents given, the page also has the buttons that withdraw them.
      agent.grantConsent("download");
      agent.grantConsent("upload");
      String url = agent.post("/v1/session", Map.of()).assertSuccess().json().get("url").asString();
      browser.viewport(1280, 900);
      browser.driver().get(url);
      WebElement installs = browser.visible("installs");
      List<WebElement> lines = installs.findElements(By.tagName("li"));
      assertThat(lines).hasSize(1);
      assertThat(lines.get(0).getText())
          .startsWith("demo 1.0.0 (version 1) on live: completed ")
          .matches(".*completed \\d{1,2} \\w{3} \\d{4} \\d{2}:\\d{2} .*")
          .endsWith(", in " + dir);
      String body = browser.driver().findElement(By.tagName("body")).getText();
      assertThat(body).doesNotContain("not entitled", "failed");

      String cache = browser.visible("cache").getText();
      assertThat(cache)
          .contains("demo 1.0.0 (version 1), full game")
          .doesNotContain(v1.fullPackInfoHash());

      // The page's own button style, not the browser's grey default.
      WebElement pause = browser.visible("pause");
      assertThat(pause.getCssValue("background-color")).isEqualTo("rgba(29, 111, 220, 1)");
      assertThat(pause.getCssValue("color")).isEqualTo("rgba(255, 255, 255, 1)");
      assertThat(pause.getCssValue("border-top-left-radius")).isEqualTo("6px");
      assertThat(pause.getCssValue("cursor")).isEqualTo("pointer");
      // Withdrawing consent: outlined, in the page's "off" colour, so it does not look like the
      // main action.
      WebElement withdraw = browser.visible("withdraw-upload");
      assertThat(withdraw.getCssValue("background-color")).isEqualTo("rgba(255, 255, 255, 1)");
      assertThat(withdraw.getCssValue("color")).isEqualTo("rgba(154, 59, 0, 1)");
      assertThat(withdraw.getCssValue("border-top-left-radius")).isEqualTo("6px");

      String uninstall =
          browser
              .driver()
              .findElement(By.xpath("//h2[@id='uninstall']/following-sibling::p[1]"))
              .getText();
      assertThat(uninstall)
          .doesNotContain("Settings, Apps, Shoal")
          .contains("shoal-agent uninstall", "no Windows or macOS installer yet");
      browser.screenshot("player-status-page-top-1280");
      browser.js("window.scrollTo(0, document.body.scrollHeight)");
      browser.screenshot("player-status-page-bottom-1280");

      // The command line says the same.
      String status = cli(agent.dataDir(), "status");
      assertThat(status.lines().filter(l -> l.contains("demo 1.0.0 (version 1) on live")))
          .hasSize(1);
      assertThat(status).contains("demo 1.0.0 (version 1), full game").doesNotContain("failed");
      assertThat(cli(agent.dataDir(), "cache"))
          .contains("demo 1.0.0 (version 1), full game")
          .doesNotContain(v1.fullPackInfoHash());
    }
  }

  private static String cli(Path dataDir, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String[] full = new String[args.length + 2];
    full[0] = "--data-dir";
    full[1] = dataDir.toString();
    System.arraycopy(args, 0, full, 2, args.length);
    int exit =
        ShoalAgent.execute(
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            full);
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(exit).as(text).isZero();
    return text;
  }
}
