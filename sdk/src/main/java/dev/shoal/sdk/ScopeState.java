package dev.shoal.sdk;

import java.time.Instant;

/**
 * The player's current answer for one scope.
 *
 * @param granted whether the player said yes (false if never asked)
 * @param at when the last answer was given, {@code null} if never asked
 * @param askedWhere where it was asked, {@code null} if never asked
 * @param textId id of the text shown, or {@code null}
 * @param textVersion version of the text shown, or {@code null}
 * @param textLocale locale of the text shown, or {@code null}
 */
public record ScopeState(
    boolean granted,
    Instant at,
    AskedWhere askedWhere,
    String textId,
    Integer textVersion,
    String textLocale) {

  /** Whether the player was ever asked for this scope. */
  public boolean asked() {
    return at != null;
  }
}
