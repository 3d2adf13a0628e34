package dev.shoal.controlplane.support;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.support.TestOrganisations.TestOrganisation;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.ApiClient.Credentials;
import org.junit.jupiter.api.BeforeEach;

/**
 * An API test whose every test starts in an organisation of its own, with a client of the control
 * plane and the organisation's admin and viewer API keys.
 */
public abstract class OrganisationTest extends ApiTest {

  protected TestOrganisation org;
  protected ApiClient http;
  protected Credentials admin;
  protected Credentials viewer;

  @BeforeEach
  void freshOrganisation() {
    org = organisations.create();
    http = http();
    admin = Credentials.apiKey(org.keys().get(Role.ADMIN));
    viewer = Credentials.apiKey(org.keys().get(Role.VIEWER));
  }
}
