package dev.shoal.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.testkit.AgentFixture;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The quick start of docs/sdk.md, compiled and run against a real agent and control plane. */
class QuickStartTest {
  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  @TempDir Path tmp;

  /** Stands in for the launcher's UI. */
  static final class Ui {
    final List<String> asked = new ArrayList<>();
    final List<InstallProgress> shown = new CopyOnWriteArrayList<>();
    final List<String> said = new ArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();
    boolean played;

    boolean ask(String text) {
      asked.add(text);
      return asked.size() == 1; // yes to the first question, no to the second
    }

    void showProgress(InstallProgress p) {
      shown.add(p);
      threads.add(Thread.currentThread().getName());
    }

    void runOnUiThread(Runnable r) {
      new Thread(r, "ui-thread").start(); // a new thread each time: the SDK still orders calls
    }

    void say(String message) {
      said.add(message);
    }
  }

  /** The quick start of docs/sdk.md, with the temp data directory and the test's control plane. */
  private static void quickStart(Ui ui, Path dataDir, Path gameDir) {
    Path agentExecutable = dataDir.resolve("not-used-since-the-agent-runs/shoal-agent");
    // --- as in docs/sdk.md
    try (ShoalClient shoal = ShoalClient.start(agentExecutable, dataDir, Duration.ofSeconds(10))) {
      for (ConsentScope scope : ConsentScope.values()) {
        if (!shoal.consent().get(scope).asked()) {
          ConsentText text = shoal.consentText(scope, Locale.getDefault());
          if (ui.ask(text.text())) {
            shoal.grant(text, AskedWhere.LAUNCHER);
          } else {
            shoal.withdraw(scope, AskedWhere.LAUNCHER);
          }
        }
      }
      if (!shoal.enrolment().enrolled()) {
        shoal.enrol(URI.create(controlPlane.baseUrl()), "example-studio");
      }
      InstallHandle install = shoal.install(InstallRequest.of("mygame", "live", gameDir));
      install.onProgress(ui::showProgress, ui::runOnUiThread);
      install.await(Duration.ofMinutes(2));
      try (GameSession game = shoal.gameStarted()) {
        ui.played = shoal.status().quietMode();
      }
    } catch (ShoalException e) {
      switch (e.code()) {
        case AGENT_NOT_INSTALLED -> ui.say("offerAgentInstall");
        case ENTITLEMENT -> ui.say("showStorePage");
        default -> ui.say(e.getMessage() + (e.retryable() ? " Try again later." : ""));
      }
    } catch (TimeoutException | InterruptedException e) {
      ui.say("Still installing: it goes on in the background.");
    }
    // ---
  }

  @Test
  void quickStartWorks() throws Exception {
    Publisher studio =
        Publisher.of(
                controlPlane.baseUrl(),
                controlPlane.createApiKey(
                    controlPlane.createOrganisation("example-studio"), Role.ADMIN))
            .product("mygame", "live");
    Map<String, byte[]> build = GameBuilds.build(1, 1_000_000);
    studio.publish("mygame", "live", build, "1.0");
    Path gameDir = tmp.resolve("games/mygame");
    try (AgentFixture agent = AgentFixture.start(tmp.resolve("data"))) {
      // First start: consent asked, enrolled, but the player has not bought the game yet.
      Ui first = new Ui();
      quickStart(first, agent.dataDir(), gameDir);
      assertThat(first.asked).hasSize(2);
      assertThat(first.said).containsExactly("showStorePage");
      assertThat(first.played).isFalse();

      // Bought: the publisher grants the device; the next start installs and plays.
      studio.entitle("mygame", agent.deviceId());
      Ui ui = new Ui();
      quickStart(ui, agent.dataDir(), gameDir);
      assertThat(ui.said).isEmpty();
      assertThat(ui.asked).as("consent is asked once").isEmpty();
      assertThat(ui.played).isTrue();
      assertThat(GameBuilds.files(gameDir)).containsExactlyInAnyOrderEntriesOf(build);
      try (ShoalClient check = ShoalClient.connect(agent.dataDir())) {
        assertThat(check.consent().downloadFromPeers().granted()).isTrue();
        assertThat(check.consent().uploadToPeers().granted()).isFalse();
        assertThat(check.consent().uploadToPeers().asked()).isTrue();
        assertThat(check.status().quietMode()).isFalse();
      }
      // The last listener call may still be on its way.
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> !ui.shown.isEmpty() && ui.shown.get(ui.shown.size() - 1).isFinal());
      assertThat(ui.shown.get(ui.shown.size() - 1).state()).isEqualTo(InstallState.COMPLETED);
      assertThat(ui.threads).allMatch("ui-thread"::equals);
    }
  }
}
