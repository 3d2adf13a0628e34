package dev.shoal.agent.bandwidth;

import java.util.List;

/**
 * What the swarm engine must obey right now. When {@code uploadAllowed} is false no byte may be
 * uploaded (and the listening socket should be closed); {@code uploadOffReasons} says why, most
 * important first, in words a player understands. Caps are bytes per second, 0 = unlimited. {@code
 * lanUploadsUncapped}: uploads to peers on the player's LAN skip the upload cap (the player agreed
 * to an upload text that says so).
 */
public record EffectiveLimits(
    boolean uploadAllowed,
    List<String> uploadOffReasons,
    long uploadCapBytesPerSecond,
    long downloadCapBytesPerSecond,
    boolean downloadFromPeersAllowed,
    boolean lanUploadsUncapped) {

  public EffectiveLimits {
    uploadOffReasons = List.copyOf(uploadOffReasons);
    if (uploadAllowed != uploadOffReasons.isEmpty()) {
      throw new IllegalArgumentException("upload is off exactly when there is a reason");
    }
  }

  /** The main reason upload is off, or null when it is on. */
  public String reason() {
    return uploadOffReasons.isEmpty() ? null : uploadOffReasons.get(0);
  }
}
