package dev.shoal.sdk;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A snapshot of one install, as the agent reports it.
 *
 * @param id the install's id (stable while the agent runs)
 * @param product the product
 * @param channel the channel
 * @param directory the install directory
 * @param priority the priority it was started with
 * @param state where it is
 * @param installedVersion the version installed in the directory, {@code null} if none yet
 * @param targetVersion the release being installed, {@code null} until the manifest is verified
 * @param targetDisplayVersion the publisher's name for it (e.g. {@code 1.0.3}), or {@code null}
 * @param packKind {@link PackKind#DELTA} when updating through a delta, {@code null} until chosen
 *     (and when nothing had to be downloaded)
 * @param bytesDone verified bytes of the pack being downloaded (0 while paused: the agent reports
 *     the live download only; the total once installing)
 * @param bytesTotal the size of that pack (much smaller for a delta)
 * @param bytesPerSecond the current download rate, all sources
 * @param eta the estimated time left while downloading, {@code null} when unknown
 * @param peers connected peers
 * @param fromPeersShare the share of downloaded bytes that came from peers, 0 to 1
 * @param bytesFromPeers downloaded bytes from peers
 * @param bytesFromOrigin downloaded bytes from the origin
 * @param health how the download is going
 * @param error why it failed, set when {@code state} is {@link InstallState#FAILED}
 */
public record InstallProgress(
    String id,
    String product,
    String channel,
    Path directory,
    InstallPriority priority,
    InstallState state,
    Long installedVersion,
    Long targetVersion,
    String targetDisplayVersion,
    PackKind packKind,
    long bytesDone,
    long bytesTotal,
    long bytesPerSecond,
    Duration eta,
    int peers,
    double fromPeersShare,
    long bytesFromPeers,
    long bytesFromOrigin,
    InstallHealth health,
    InstallError error) {

  /** Whether the install has ended (completed, failed or cancelled). */
  public boolean isFinal() {
    return state.isFinal();
  }

  /** The downloaded share of the pack, 0 to 1 (1 once installing or completed). */
  public double fraction() {
    if (state == InstallState.COMPLETED) {
      return 1;
    }
    if (bytesTotal <= 0) {
      return 0;
    }
    return Math.min(1, Math.max(0, (double) bytesDone / bytesTotal));
  }
}
