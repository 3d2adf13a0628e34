package dev.shoal.sdk;

/**
 * A standard consent text, rendered by the agent with the player's current limits. Show {@link
 * #text()} exactly; a grant quotes {@link #sha256()}.
 *
 * @param id text id, e.g. {@code upload-to-peers}
 * @param version text version
 * @param scope the scope it asks about
 * @param locale the locale actually used (may be a fallback of the one asked for)
 * @param text the text to show, verbatim
 * @param sha256 lowercase hex SHA-256 of the UTF-8 text
 */
public record ConsentText(
    String id, int version, ConsentScope scope, String locale, String text, String sha256) {}
