package dev.shoal.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quick start of docs/sdk.md, compiled and run against a real agent. */
class QuickStartTest {
  @TempDir Path tmp;

  /** Stands in for the launcher's UI. */
  static final class Ui implements Executor {
    final List<String> shown = new ArrayList<>();

    boolean ask(String text) {
      shown.add(text);
      return true;
    }

    void showSharing(boolean uploading, List<String> reasons) {}

    void runOnUiThread(Runnable r) {
      r.run();
    }

    @Override
    public void execute(Runnable r) {
      runOnUiThread(r);
    }
  }

  @Test
  void quickStartWorks() throws Exception {
    Ui ui = new Ui();
    try (LocalAgent agent = new LocalAgent(tmp.resolve("data"))) {
      // --- as in docs/sdk.md, with connect(dataDir) for the temp directory
      try (ShoalClient shoal = ShoalClient.connect(agent.dataDir)) {
        if (!shoal.consent().uploadToPeers().asked()) {
          ConsentText text = shoal.consentText(ConsentScope.UPLOAD_TO_PEERS, Locale.getDefault());
          if (ui.ask(text.text())) {
            shoal.grant(text, AskedWhere.LAUNCHER);
          }
        }
        Subscription sub =
            shoal.subscribe(
                s -> ui.showSharing(s.uploading(), s.uploadOffReasons()), ui::runOnUiThread);
        try (GameSession game = shoal.gameStarted()) {
          assertThat(shoal.status().quietMode()).isTrue();
        }
        sub.close();
        assertThat(shoal.consent().uploadToPeers().granted()).isTrue();
      }
    }
    assertThat(ui.shown).hasSize(1);
  }
}
