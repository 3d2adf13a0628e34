package dev.shoal.agent.consent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.bandwidth.BandwidthSettings;
import dev.shoal.agent.bandwidth.UploadHours;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ConsentTextsTest {
  final ConsentTexts texts = ConsentTexts.shipped();

  @Test
  void shipsBothScopesInEnglishAndFrench() {
    assertThat(texts.locales()).contains("en", "fr");
    assertThat(texts.renderAll(BandwidthSettings.DEFAULTS)).hasSize(4);
  }

  @Test
  void uploadTextSaysWhatWithWhomHowMuchIpAndHowToStop() {
    BandwidthSettings s =
        new BandwidthSettings(
            2_000_000, 0, 20_000_000_000L, UploadHours.parse("01:00-07:00"), false, 1_000_000);
    String en = texts.render(ConsentScope.UPLOAD_TO_PEERS, "en", s).text();
    assertThat(en)
        .contains(
            "encrypted pieces of game files",
            "Never your personal files",
            "other players of the same game",
            "20 GB per month",
            "2 MB/s",
            "Only between 01:00\u201307:00",
            "IP address",
            "within one second")
        .doesNotContain("{");
    String fr = texts.render(ConsentScope.UPLOAD_TO_PEERS, "fr-CA", s).text();
    assertThat(fr).contains("20 Go par mois", "2 Mo/s", "adresse IP").doesNotContain("{");
  }

  @Test
  void downloadTextExplainsWhatItMeans() {
    ConsentText t =
        texts.render(ConsentScope.DOWNLOAD_FROM_PEERS, "en", BandwidthSettings.DEFAULTS);
    assertThat(t.id()).isEqualTo("download-from-peers");
    assertThat(t.version()).isEqualTo(1);
    assertThat(t.text())
        .contains(
            "checked against the publisher's signature",
            "IP address",
            "does not make you share",
            "1 MB/s");
  }

  @Test
  void hashIsSha256OfTheExactTextAndFollowsTheSettings() throws Exception {
    ConsentText t = texts.render(ConsentScope.UPLOAD_TO_PEERS, "en", BandwidthSettings.DEFAULTS);
    String expected =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(t.text().getBytes(StandardCharsets.UTF_8)));
    assertThat(t.sha256()).isEqualTo(expected);
    BandwidthSettings more =
        new BandwidthSettings(1_000_000, 0, 50_000_000_000L, null, false, 1_000_000);
    assertThat(texts.render(ConsentScope.UPLOAD_TO_PEERS, "en", more).sha256())
        .isNotEqualTo(t.sha256());
  }

  @Test
  void unknownLocaleFallsBackToEnglish() {
    assertThat(
            texts
                .render(ConsentScope.UPLOAD_TO_PEERS, "ja-JP", BandwidthSettings.DEFAULTS)
                .locale())
        .isEqualTo("en");
  }
}
