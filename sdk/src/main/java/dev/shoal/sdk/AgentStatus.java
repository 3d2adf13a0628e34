package dev.shoal.sdk;

import java.util.List;

/**
 * A snapshot of what the agent is doing (the facts of its status page). Fields the SDK does not
 * model (allowance, activity totals, cache) are in {@link #json()}.
 *
 * @param deviceId this device's id
 * @param uploading whether uploading to peers is on now
 * @param uploadOffReasons why uploading is off, most important first, plain English
 * @param downloadingFromPeers whether downloads may use peers
 * @param uploadCapBytesPerSecond effective upload cap
 * @param downloadCapBytesPerSecond effective download cap (quiet mode included)
 * @param quietMode whether quiet mode (a game runs) is on
 * @param paused whether the player paused sharing
 * @param powerSource {@code MAINS}, {@code BATTERY} or {@code UNKNOWN}
 * @param limits the player's settings
 * @param consent the player's answers
 * @param downloadBytesPerSecond live download rate, all sources
 * @param uploadBytesPerSecond live upload rate
 * @param peers connected peers
 * @param installs the installs running and recently finished, oldest first
 * @param json the full status JSON as sent by the agent
 */
public record AgentStatus(
    String deviceId,
    boolean uploading,
    List<String> uploadOffReasons,
    boolean downloadingFromPeers,
    long uploadCapBytesPerSecond,
    long downloadCapBytesPerSecond,
    boolean quietMode,
    boolean paused,
    String powerSource,
    Limits limits,
    ConsentState consent,
    long downloadBytesPerSecond,
    long uploadBytesPerSecond,
    int peers,
    List<InstallProgress> installs,
    String json) {

  /** Copies the lists so the record stays immutable. */
  public AgentStatus {
    uploadOffReasons = List.copyOf(uploadOffReasons);
    installs = List.copyOf(installs);
  }
}
