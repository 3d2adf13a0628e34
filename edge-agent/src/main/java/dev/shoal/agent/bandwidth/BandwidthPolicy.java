package dev.shoal.agent.bandwidth;

import java.time.Clock;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Turns the player's settings and the machine's situation into {@link EffectiveLimits}. All inputs
 * can change while running; every change notifies listeners synchronously with the new limits, and
 * {@link #recheck()} (called periodically) notifies when only time passing changed them (upload
 * hours starting or ending, the allowance running out, a new month).
 */
public final class BandwidthPolicy {
  public static final String NO_UPLOAD_CONSENT = "no upload consent";
  public static final String PAUSED = "sharing paused by you";
  public static final String QUIET_MODE = "quiet mode: a game is running";
  public static final String ON_BATTERY = "on battery";
  public static final String METERED = "metered connection";
  public static final String ALLOWANCE_USED = "monthly allowance used";

  private final Clock clock;
  private final ZoneId zone;
  private final TrafficMeter meter;
  private final List<Consumer<EffectiveLimits>> listeners = new CopyOnWriteArrayList<>();

  private volatile BandwidthSettings settings;
  private volatile boolean uploadConsent;
  private volatile boolean lanUploadConsent;
  private volatile boolean downloadConsent;
  private volatile boolean quietMode;
  private volatile boolean paused;
  private volatile PowerSource power = PowerSource.UNKNOWN;
  private EffectiveLimits lastNotified;

  public BandwidthPolicy(
      Clock clock, ZoneId zone, BandwidthSettings settings, TrafficMeter meter, boolean paused) {
    this.clock = Objects.requireNonNull(clock);
    this.zone = Objects.requireNonNull(zone);
    this.settings = Objects.requireNonNull(settings);
    this.meter = Objects.requireNonNull(meter);
    this.paused = paused;
  }

  public EffectiveLimits evaluate() {
    BandwidthSettings s = settings;
    List<String> reasons = uploadOffReasons(s);
    return new EffectiveLimits(
        reasons.isEmpty(),
        reasons,
        s.uploadCapBytesPerSecond(),
        downloadCap(s),
        downloadConsent,
        reasons.isEmpty() && lanUploadConsent);
  }

  private List<String> uploadOffReasons(BandwidthSettings s) {
    List<String> reasons = new ArrayList<>();
    if (!uploadConsent) {
      reasons.add(NO_UPLOAD_CONSENT);
    }
    if (paused) {
      reasons.add(PAUSED);
    }
    if (quietMode) {
      reasons.add(QUIET_MODE);
    }
    if (power == PowerSource.BATTERY) {
      reasons.add(ON_BATTERY);
    }
    if (s.metered()) {
      reasons.add(METERED);
    }
    if (s.uploadHours() != null && !s.uploadHours().contains(LocalTime.now(clock.withZone(zone)))) {
      reasons.add("outside allowed hours " + s.uploadHours());
    }
    if (s.monthlyUploadAllowanceBytes() > 0 && allowanceRemainingBytes() == 0) {
      reasons.add(ALLOWANCE_USED);
    }
    return reasons;
  }

  private long downloadCap(BandwidthSettings s) {
    if (!quietMode) {
      return s.downloadCapBytesPerSecond();
    }
    long quiet = s.quietModeDownloadCapBytesPerSecond();
    return s.downloadCapBytesPerSecond() == 0
        ? quiet
        : Math.min(quiet, s.downloadCapBytesPerSecond());
  }

  /** Bytes left to upload this month, or -1 when there is no monthly allowance. */
  public long allowanceRemainingBytes() {
    long allowance = settings.monthlyUploadAllowanceBytes();
    if (allowance == 0) {
      return -1;
    }
    return Math.max(0, allowance - meter.thisMonth().uploaded());
  }

  public BandwidthSettings settings() {
    return settings;
  }

  public boolean quietMode() {
    return quietMode;
  }

  public boolean paused() {
    return paused;
  }

  public PowerSource powerSource() {
    return power;
  }

  public void setSettings(BandwidthSettings newSettings) {
    settings = Objects.requireNonNull(newSettings);
    changed(true);
  }

  public void setUploadConsent(boolean granted) {
    setUploadConsent(granted, false);
  }

  /**
   * {@code coversLan}: the text the player agreed to lets uploads to LAN peers skip the upload cap
   * ({@link dev.shoal.agent.consent.ConsentRecord#coversUncappedLan}).
   */
  public void setUploadConsent(boolean granted, boolean coversLan) {
    uploadConsent = granted;
    lanUploadConsent = granted && coversLan;
    changed(true);
  }

  public void setDownloadConsent(boolean granted) {
    downloadConsent = granted;
    changed(true);
  }

  public void setQuietMode(boolean on) {
    quietMode = on;
    changed(true);
  }

  public void setPaused(boolean on) {
    paused = on;
    changed(true);
  }

  public void setPowerSource(PowerSource source) {
    PowerSource old = power;
    power = Objects.requireNonNull(source);
    changed(old != source);
  }

  /** Re-evaluates because time passed; notifies only if the limits actually changed. */
  public void recheck() {
    changed(false);
  }

  public void addListener(Consumer<EffectiveLimits> listener) {
    listeners.add(listener);
  }

  /**
   * Evaluates and notifies under one lock, so listeners receive changes in the order they took
   * effect: a stale "upload allowed" can never arrive after the "upload off" of a withdrawal.
   */
  private synchronized void changed(boolean always) {
    EffectiveLimits now = evaluate();
    if (!always && now.equals(lastNotified)) {
      return;
    }
    lastNotified = now;
    for (Consumer<EffectiveLimits> l : listeners) {
      l.accept(now);
    }
  }
}
