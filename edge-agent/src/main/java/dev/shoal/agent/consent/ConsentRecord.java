package dev.shoal.agent.consent;

import java.time.Instant;
import java.util.Objects;

/**
 * One yes or no, as logged locally and sent to the control plane. For a withdrawal the text fields
 * name the text of the grant being withdrawn (null if there was none).
 */
public record ConsentRecord(
    String deviceId,
    ConsentScope scope,
    Decision decision,
    Instant at,
    AskedWhere askedWhere,
    String textId,
    Integer textVersion,
    String textLocale,
    String textSha256) {

  /** Granted or withdrawn. */
  public enum Decision {
    GRANTED,
    WITHDRAWN
  }

  public ConsentRecord {
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(askedWhere, "askedWhere");
    if (decision == Decision.GRANTED && textSha256 == null) {
      throw new IllegalArgumentException("a grant must name the text the player saw");
    }
  }

  public boolean granted() {
    return decision == Decision.GRANTED;
  }

  /** The upload text version from which uploads to LAN peers are not held to the upload cap. */
  public static final int UNCAPPED_LAN_FROM_VERSION = 2;

  /**
   * A grant of uploads whose text told the player that peers on their own LAN may get pieces faster
   * than the upload cap (an older grant keeps the promise of its text: capped for all).
   */
  public boolean coversUncappedLan() {
    return granted()
        && scope == ConsentScope.UPLOAD_TO_PEERS
        && "upload-to-peers".equals(textId)
        && textVersion != null
        && textVersion >= UNCAPPED_LAN_FROM_VERSION;
  }
}
