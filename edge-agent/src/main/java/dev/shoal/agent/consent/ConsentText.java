package dev.shoal.agent.consent;

/**
 * A consent text exactly as shown: the shipped template rendered with the current settings. {@code
 * sha256} is the lowercase hex SHA-256 of the UTF-8 bytes of {@code text}.
 */
public record ConsentText(
    String id, int version, ConsentScope scope, String locale, String text, String sha256) {}
