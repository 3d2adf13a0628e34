package dev.shoal.agent.consent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.agent.bandwidth.BandwidthSettings;
import dev.shoal.agent.fs.DataDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsentLedgerTest {
  @TempDir Path tmp;
  DataDir dir;
  final ConsentTexts texts = ConsentTexts.shipped();
  final AtomicReference<BandwidthSettings> settings =
      new AtomicReference<>(BandwidthSettings.DEFAULTS);
  final Clock clock = Clock.fixed(Instant.parse("2026-11-25T04:00:00Z"), ZoneOffset.UTC);

  @BeforeEach
  void setUp() {
    dir = DataDir.open(tmp);
  }

  ConsentLedger open() {
    return ConsentLedger.open(dir, "d-test", clock, texts, settings::get);
  }

  String hash(ConsentScope scope, String locale) {
    return texts.render(scope, locale, settings.get()).sha256();
  }

  @Test
  void everythingIsOffUntilThePlayerSaysYes() {
    ConsentLedger l = open();
    assertThat(l.isGranted(ConsentScope.UPLOAD_TO_PEERS)).isFalse();
    assertThat(l.isGranted(ConsentScope.DOWNLOAD_FROM_PEERS)).isFalse();
    assertThat(l.current(ConsentScope.UPLOAD_TO_PEERS)).isEmpty();
  }

  @Test
  void grantRecordsWhichTextWasShownAndWhere() {
    ConsentRecord r =
        open()
            .grant(
                ConsentScope.UPLOAD_TO_PEERS,
                hash(ConsentScope.UPLOAD_TO_PEERS, "fr"),
                AskedWhere.LAUNCHER);
    assertThat(r.granted()).isTrue();
    assertThat(r.textId()).isEqualTo("upload-to-peers");
    assertThat(r.textLocale()).isEqualTo("fr");
    assertThat(r.textVersion()).isEqualTo(2);
    assertThat(r.coversUncappedLan()).as("v2 tells of LAN peers beyond the cap").isTrue();
    assertThat(r.askedWhere()).isEqualTo(AskedWhere.LAUNCHER);
    assertThat(r.deviceId()).isEqualTo("d-test");
    assertThat(r.at()).isEqualTo(clock.instant());
  }

  /** A grant of the first upload text keeps its promise: never faster than the cap, LAN or not. */
  @Test
  void aGrantOfTheFirstUploadTextDoesNotCoverUncappedLanUploads() {
    ConsentRecord v1 =
        new ConsentRecord(
            "d-test",
            ConsentScope.UPLOAD_TO_PEERS,
            ConsentRecord.Decision.GRANTED,
            clock.instant(),
            AskedWhere.CLI,
            "upload-to-peers",
            1,
            "en",
            "ab".repeat(32));
    assertThat(v1.coversUncappedLan()).isFalse();
  }

  @Test
  void refusesUnknownTamperedOrWrongScopeHashes() {
    ConsentLedger l = open();
    assertThatThrownBy(() -> l.grant(ConsentScope.UPLOAD_TO_PEERS, "00".repeat(32), AskedWhere.CLI))
        .isInstanceOf(ConsentRefusedException.class);
    assertThatThrownBy(
            () ->
                l.grant(
                    ConsentScope.UPLOAD_TO_PEERS,
                    hash(ConsentScope.DOWNLOAD_FROM_PEERS, "en"),
                    AskedWhere.CLI))
        .isInstanceOf(ConsentRefusedException.class);
    assertThat(l.isGranted(ConsentScope.UPLOAD_TO_PEERS)).isFalse();
  }

  @Test
  void aTextShownBeforeTheSettingsChangedIsNoLongerAccepted() {
    ConsentLedger l = open();
    String shown = hash(ConsentScope.UPLOAD_TO_PEERS, "en");
    settings.set(new BandwidthSettings(1_000_000, 0, 99_000_000_000L, null, false, 1_000_000));
    assertThatThrownBy(() -> l.grant(ConsentScope.UPLOAD_TO_PEERS, shown, AskedWhere.CLI))
        .isInstanceOf(ConsentRefusedException.class);
  }

  @Test
  void withdrawalNotifiesListenersSynchronouslyAndNamesTheWithdrawnText() {
    ConsentLedger l = open();
    l.grant(ConsentScope.UPLOAD_TO_PEERS, hash(ConsentScope.UPLOAD_TO_PEERS, "en"), AskedWhere.CLI);
    List<String> heard = new ArrayList<>();
    l.addListener(
        r ->
            heard.add(
                r.scope() + ":" + r.decision() + ":" + l.isGranted(ConsentScope.UPLOAD_TO_PEERS)));
    ConsentRecord w = l.withdraw(ConsentScope.UPLOAD_TO_PEERS, AskedWhere.SETTINGS);
    assertThat(heard).containsExactly("UPLOAD_TO_PEERS:WITHDRAWN:false");
    assertThat(w.textId()).isEqualTo("upload-to-peers");
    assertThat(l.isGranted(ConsentScope.UPLOAD_TO_PEERS)).isFalse();
  }

  @Test
  void stateIsRebuiltFromTheLogAndEveryRecordIsQueuedInTheOutbox() throws Exception {
    ConsentLedger l = open();
    l.grant(ConsentScope.UPLOAD_TO_PEERS, hash(ConsentScope.UPLOAD_TO_PEERS, "en"), AskedWhere.CLI);
    l.grant(
        ConsentScope.DOWNLOAD_FROM_PEERS,
        hash(ConsentScope.DOWNLOAD_FROM_PEERS, "en"),
        AskedWhere.INSTALLER);
    l.withdraw(ConsentScope.UPLOAD_TO_PEERS, AskedWhere.CLI);
    ConsentLedger reopened = open();
    assertThat(reopened.isGranted(ConsentScope.UPLOAD_TO_PEERS)).isFalse();
    assertThat(reopened.isGranted(ConsentScope.DOWNLOAD_FROM_PEERS)).isTrue();
    assertThat(Files.readAllLines(dir.consentDir().resolve("consent-log.jsonl"))).hasSize(3);
    assertThat(Files.readAllLines(dir.outboxDir().resolve("consent.jsonl")))
        .hasSize(3)
        .allSatisfy(line -> assertThat(line).contains("\"deviceId\":\"d-test\""));
  }

  @Test
  void aTornLastLineIsIgnoredButCorruptionInTheMiddleIsNot() throws Exception {
    ConsentLedger l = open();
    l.grant(ConsentScope.UPLOAD_TO_PEERS, hash(ConsentScope.UPLOAD_TO_PEERS, "en"), AskedWhere.CLI);
    Path log = dir.consentDir().resolve("consent-log.jsonl");
    Files.writeString(log, "{\"deviceId\":\"d-te", StandardOpenOption.APPEND);
    assertThat(open().isGranted(ConsentScope.UPLOAD_TO_PEERS)).isTrue();
    Files.writeString(log, "\n{}\n", StandardOpenOption.APPEND);
    assertThatThrownBy(this::open).isInstanceOf(IllegalStateException.class);
  }
}
