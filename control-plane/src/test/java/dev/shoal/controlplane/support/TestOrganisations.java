package dev.shoal.controlplane.support;

import dev.shoal.controlplane.apikey.ApiKeys;
import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.organisation.Organisation;
import dev.shoal.controlplane.organisation.Organisations;
import dev.shoal.controlplane.user.Users;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.boot.test.context.TestComponent;

/**
 * Makes an organisation with a user and an API key for each role, through the real services (which
 * Spring passes to the record's constructor).
 */
@TestComponent
public record TestOrganisations(Organisations organisations, Users users, ApiKeys apiKeys) {

  public static final String PASSWORD = "correct horse battery staple";

  /** An organisation and, per role, a username (password {@link #PASSWORD}) and an API key. */
  public record TestOrganisation(
      Organisation organisation, Map<Role, String> usernames, Map<Role, String> keys) {}

  public TestOrganisation create() {
    String slug = "org-" + UUID.randomUUID().toString().substring(0, 8);
    Organisation organisation = organisations.create(slug, "Organisation " + slug);
    Map<Role, String> usernames = new EnumMap<>(Role.class);
    Map<Role, String> keys = new EnumMap<>(Role.class);
    for (Role role : Role.values()) {
      String username = slug + "-" + role.name().toLowerCase() + "@example.test";
      users.create(organisation.id(), username, PASSWORD, role);
      usernames.put(role, username);
      keys.put(role, apiKeys.issue(organisation.id(), role, role + " key", null).token());
    }
    return new TestOrganisation(organisation, usernames, keys);
  }

  public String revokedKey(Organisation organisation) {
    ApiKeys.IssuedKey issued = apiKeys.issue(organisation.id(), Role.ADMIN, "revoked", null);
    apiKeys.revoke(organisation.id(), issued.key().id());
    return issued.token();
  }
}
