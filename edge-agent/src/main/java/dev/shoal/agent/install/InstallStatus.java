package dev.shoal.agent.install;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * A snapshot of one install, as the local API and the SDK show it.
 *
 * @param bytesDone verified bytes of the pack being downloaded
 * @param bytesTotal size of that pack (the delta pack when updating through one)
 * @param etaSeconds null when unknown (no rate yet)
 * @param fromPeersShare share of downloaded bytes that came from peers, 0..1
 * @param health OK, ORIGIN_ONLY (no peer consent), NO_PEERS (consented, none found), STALLED
 * @param error set when {@code state} is FAILED
 * @param finishedAt when it completed, failed or was cancelled; null before
 */
public record InstallStatus(
    String id,
    String product,
    String channel,
    String directory,
    String priority,
    State state,
    Long installedVersion,
    Long targetVersion,
    String targetDisplayVersion,
    String packKind,
    long bytesDone,
    long bytesTotal,
    long bytesPerSecond,
    Long etaSeconds,
    int peers,
    double fromPeersShare,
    long bytesFromPeers,
    long bytesFromOrigin,
    String health,
    Error error,
    Instant finishedAt) {

  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("d MMM yyyy HH:mm z", Locale.ENGLISH);

  /**
   * One line for people: what, which version, where it stands and since when, e.g. "demo 1.0.1
   * (version 2) on live: completed 7 Dec 2026 15:20 CET, in /home/p/Games/demo". A player who sees
   * two lines for one game must be able to tell them apart.
   */
  public String describe(ZoneId zone) {
    StringBuilder b = new StringBuilder(product);
    Long version = targetVersion != null ? targetVersion : installedVersion;
    if (targetDisplayVersion != null) {
      b.append(' ').append(targetDisplayVersion);
    }
    if (version != null) {
      b.append(" (version ").append(version).append(')');
    }
    b.append(" on ").append(channel).append(": ").append(state.name().toLowerCase(Locale.ROOT));
    if (finishedAt != null) {
      b.append(' ').append(WHEN.format(finishedAt.atZone(zone)));
    }
    b.append(", in ").append(directory);
    if (error != null) {
      b.append(": ").append(error.message());
    }
    return b.toString();
  }

  /** Where an install is in its life. */
  public enum State {
    QUEUED,
    PREPARING,
    DOWNLOADING,
    PAUSED,
    VERIFYING,
    INSTALLING,
    COMPLETED,
    FAILED,
    CANCELLED;

    public boolean isFinal() {
      return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
  }

  /** A failure as the SDK types it. */
  public record Error(String code, String message, boolean retryable) {}
}
