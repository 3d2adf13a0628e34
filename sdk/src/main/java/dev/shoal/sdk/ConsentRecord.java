package dev.shoal.sdk;

import java.time.Instant;

/**
 * A decision as written to the agent's consent log.
 *
 * @param deviceId the device
 * @param scope the scope decided
 * @param granted {@code true} for a grant, {@code false} for a withdrawal
 * @param at when
 * @param askedWhere where the player was asked
 * @param textId id of the text (for a withdrawal: of the grant withdrawn), or {@code null}
 * @param textVersion its version, or {@code null}
 * @param textLocale its locale, or {@code null}
 * @param textSha256 its hash, or {@code null}
 */
public record ConsentRecord(
    String deviceId,
    ConsentScope scope,
    boolean granted,
    Instant at,
    AskedWhere askedWhere,
    String textId,
    Integer textVersion,
    String textLocale,
    String textSha256) {}
