package dev.shoal.controlplane.identity;

import java.util.UUID;

/**
 * Who is making the current API request: a signed-in user or an API key. Controllers take it as a
 * parameter and scope every query by {@link #organisationId()}.
 *
 * @param id the user's or API key's id
 * @param name the username, or the API key's name
 */
public record Caller(Kind kind, UUID id, String name, UUID organisationId, Role role) {

  /** How the caller authenticated. */
  public enum Kind {
    USER,
    API_KEY
  }
}
