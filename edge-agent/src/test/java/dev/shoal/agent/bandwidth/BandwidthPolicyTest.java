package dev.shoal.agent.bandwidth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.MutableClock;
import dev.shoal.agent.fs.DataDir;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BandwidthPolicyTest {
  static final ZoneId PARIS = ZoneId.of("Europe/Paris");
  static final BandwidthSettings S = BandwidthSettings.DEFAULTS;

  @TempDir Path tmp;
  MutableClock clock;
  TrafficMeter meter;
  BandwidthPolicy policy;

  @BeforeEach
  void setUp() {
    clock = new MutableClock(ZonedDateTime.of(2026, 11, 25, 3, 0, 0, 0, PARIS));
    meter = TrafficMeter.open(DataDir.open(tmp), clock, PARIS);
    policy = new BandwidthPolicy(clock, PARIS, S, meter, false);
    policy.setUploadConsent(true);
  }

  @Test
  void uploadsWithConsentAndNothingElseInTheWay() {
    EffectiveLimits e = policy.evaluate();
    assertThat(e.uploadAllowed()).isTrue();
    assertThat(e.reason()).isNull();
    assertThat(e.uploadCapBytesPerSecond()).isEqualTo(S.uploadCapBytesPerSecond());
    assertThat(e.downloadCapBytesPerSecond()).isZero();
  }

  /**
   * Uploads to LAN peers skip the cap only under a grant whose text said so, and only while uploads
   * are on at all.
   */
  @Test
  void lanUploadsSkipTheCapOnlyUnderATextThatSaysSoAndWhileUploadsAreOn() {
    assertThat(policy.evaluate().lanUploadsUncapped()).as("granted under v1").isFalse();
    policy.setUploadConsent(true, true);
    assertThat(policy.evaluate().lanUploadsUncapped()).isTrue();
    policy.setPaused(true);
    assertThat(policy.evaluate().lanUploadsUncapped()).as("paused").isFalse();
    policy.setPaused(false);
    policy.setUploadConsent(false, true);
    assertThat(policy.evaluate().lanUploadsUncapped()).as("withdrawn").isFalse();
  }

  @Test
  void noConsentNoUpload() {
    policy.setUploadConsent(false);
    assertThat(policy.evaluate().uploadAllowed()).isFalse();
    assertThat(policy.evaluate().reason()).isEqualTo("no upload consent");
  }

  @Test
  void downloadFromPeersFollowsDownloadConsent() {
    assertThat(policy.evaluate().downloadFromPeersAllowed()).isFalse();
    policy.setDownloadConsent(true);
    assertThat(policy.evaluate().downloadFromPeersAllowed()).isTrue();
  }

  @Test
  void hoursWrappingMidnight() {
    policy.setSettings(withHours("23:00-02:00"));
    clock.set(ZonedDateTime.of(2026, 11, 25, 3, 0, 0, 0, PARIS));
    assertThat(policy.evaluate().reason()).isEqualTo("outside allowed hours 23:00\u201302:00");
    clock.set(ZonedDateTime.of(2026, 11, 25, 23, 30, 0, 0, PARIS));
    assertThat(policy.evaluate().uploadAllowed()).isTrue();
    clock.set(ZonedDateTime.of(2026, 11, 26, 1, 59, 0, 0, PARIS));
    assertThat(policy.evaluate().uploadAllowed()).isTrue();
    clock.set(ZonedDateTime.of(2026, 11, 26, 2, 0, 0, 0, PARIS));
    assertThat(policy.evaluate().uploadAllowed()).isFalse();
  }

  @Test
  void hoursUseThePlayersZoneNotUtc() {
    policy.setSettings(withHours("01:00-07:00"));
    // 00:30 UTC is 01:30 in Paris (winter): allowed.
    clock.set(ZonedDateTime.of(2026, 11, 25, 0, 30, 0, 0, ZoneId.of("UTC")));
    assertThat(policy.evaluate().uploadAllowed()).isTrue();
  }

  @Test
  void allowanceExhaustionStopsUploadsUntilTheFirstOfNextMonth() {
    policy.setSettings(new BandwidthSettings(0, 0, 1_000, null, false, 1_000));
    meter.record(TrafficMeter.Kind.UPLOADED, 999);
    assertThat(policy.evaluate().uploadAllowed()).isTrue();
    assertThat(policy.allowanceRemainingBytes()).isEqualTo(1);
    meter.record(TrafficMeter.Kind.UPLOADED, 1);
    assertThat(policy.evaluate().reason()).isEqualTo("monthly allowance used");
    assertThat(policy.allowanceRemainingBytes()).isZero();

    clock.set(ZonedDateTime.of(2026, 11, 30, 23, 59, 0, 0, PARIS));
    assertThat(policy.evaluate().uploadAllowed()).isFalse();
    clock.set(ZonedDateTime.of(2026, 12, 1, 0, 0, 0, 0, PARIS));
    assertThat(policy.evaluate().uploadAllowed()).isTrue();
    assertThat(policy.allowanceRemainingBytes()).isEqualTo(1_000);
  }

  @Test
  void noMonthlyAllowanceMeansNoLimit() {
    policy.setSettings(new BandwidthSettings(0, 0, 0, null, false, 1_000));
    meter.record(TrafficMeter.Kind.UPLOADED, 100_000_000_000L);
    assertThat(policy.evaluate().uploadAllowed()).isTrue();
    assertThat(policy.allowanceRemainingBytes()).isEqualTo(-1);
  }

  @Test
  void batteryStopsUploadsUnknownDoesNot() {
    policy.setPowerSource(PowerSource.BATTERY);
    assertThat(policy.evaluate().reason()).isEqualTo("on battery");
    policy.setPowerSource(PowerSource.UNKNOWN);
    assertThat(policy.evaluate().uploadAllowed()).isTrue();
    policy.setPowerSource(PowerSource.MAINS);
    assertThat(policy.evaluate().uploadAllowed()).isTrue();
  }

  @Test
  void meteredConnectionStopsUploads() {
    policy.setSettings(new BandwidthSettings(0, 0, 0, null, true, 1_000));
    assertThat(policy.evaluate().reason()).isEqualTo("metered connection");
  }

  @Test
  void quietModePausesUploadsAndSlowsDownloads() {
    policy.setQuietMode(true);
    EffectiveLimits e = policy.evaluate();
    assertThat(e.reason()).isEqualTo("quiet mode: a game is running");
    assertThat(e.downloadCapBytesPerSecond()).isEqualTo(1_000_000);
    policy.setSettings(new BandwidthSettings(0, 500_000, 0, null, false, 1_000_000));
    assertThat(policy.evaluate().downloadCapBytesPerSecond())
        .as("the stricter cap wins")
        .isEqualTo(500_000);
    policy.setQuietMode(false);
    assertThat(policy.evaluate().downloadCapBytesPerSecond()).isEqualTo(500_000);
    assertThat(policy.evaluate().uploadAllowed()).isTrue();
  }

  @Test
  void pauseIsAReasonOfItsOwn() {
    policy.setPaused(true);
    assertThat(policy.evaluate().reason()).isEqualTo("sharing paused by you");
  }

  @Test
  void allReasonsAreListedMostImportantFirst() {
    policy.setUploadConsent(false);
    policy.setQuietMode(true);
    policy.setPowerSource(PowerSource.BATTERY);
    assertThat(policy.evaluate().uploadOffReasons())
        .containsExactly("no upload consent", "quiet mode: a game is running", "on battery");
  }

  @Test
  void listenersHearChangesAndTimeDrivenTransitionsOnce() {
    List<EffectiveLimits> heard = new ArrayList<>();
    policy.addListener(heard::add);
    policy.setSettings(withHours("03:00-04:00"));
    assertThat(heard).hasSize(1);
    assertThat(heard.get(0).uploadAllowed()).isTrue();
    policy.recheck();
    assertThat(heard).as("nothing changed").hasSize(1);
    clock.advance(Duration.ofHours(1));
    policy.recheck();
    assertThat(heard).hasSize(2);
    assertThat(heard.get(1).uploadAllowed()).isFalse();
  }

  @Test
  void underConcurrentChangesTheLastNotificationIsTheCurrentState() throws Exception {
    java.util.concurrent.atomic.AtomicReference<EffectiveLimits> last =
        new java.util.concurrent.atomic.AtomicReference<>();
    policy.addListener(last::set);
    Thread quiet =
        new Thread(
            () -> {
              for (int i = 0; i < 5_000; i++) {
                policy.setQuietMode(i % 2 == 0);
              }
            });
    Thread consent =
        new Thread(
            () -> {
              for (int i = 0; i < 5_000; i++) {
                policy.setUploadConsent(i % 2 == 1);
              }
            });
    quiet.start();
    consent.start();
    quiet.join();
    consent.join();
    assertThat(last.get()).isEqualTo(policy.evaluate());
  }

  private static BandwidthSettings withHours(String hours) {
    return new BandwidthSettings(
        S.uploadCapBytesPerSecond(),
        0,
        S.monthlyUploadAllowanceBytes(),
        UploadHours.parse(hours),
        false,
        S.quietModeDownloadCapBytesPerSecond());
  }
}
