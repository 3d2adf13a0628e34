package dev.shoal.agent.install;

/**
 * A snapshot of one install, as the local API and the SDK show it.
 *
 * @param bytesDone verified bytes of the pack being downloaded
 * @param bytesTotal size of that pack (the delta pack when updating through one)
 * @param etaSeconds null when unknown (no rate yet)
 * @param fromPeersShare share of downloaded bytes that came from peers, 0..1
 * @param health OK, ORIGIN_ONLY (no peer consent), NO_PEERS (consented, none found), STALLED
 * @param error set when {@code state} is FAILED
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
    Error error) {

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
