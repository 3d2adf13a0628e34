package dev.shoal.controlplane.bootstrap;

import dev.shoal.controlplane.apikey.ApiKeys;
import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.organisation.Organisation;
import dev.shoal.controlplane.organisation.Organisations;
import dev.shoal.controlplane.user.Users;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * On the first start (no user at all) creates the bootstrap organisation and its admin, before the
 * web server opens; once it is ready, prints where to sign in. A generated password is printed on
 * stdout once and never logged, so it does not end up in log files.
 */
@Component
class FirstStart implements SmartInitializingSingleton {

  private static final Logger log = LoggerFactory.getLogger(FirstStart.class);
  // Any constant: makes two control planes starting on one empty database create one admin.
  private static final long BOOTSTRAP_LOCK = 0x5408A1L;

  private final ShoalProperties properties;
  private final Organisations organisations;
  private final Users users;
  private final ApiKeys apiKeys;
  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private String generatedPassword;
  private boolean createdNow;

  FirstStart(
      ShoalProperties properties,
      Organisations organisations,
      Users users,
      ApiKeys apiKeys,
      JdbcClient jdbc,
      TransactionTemplate transaction) {
    this.properties = properties;
    this.organisations = organisations;
    this.users = users;
    this.apiKeys = apiKeys;
    this.jdbc = jdbc;
    this.transaction = transaction;
  }

  @Override
  public void afterSingletonsInstantiated() {
    transaction.executeWithoutResult(
        status -> {
          jdbc.sql("select pg_advisory_xact_lock(?)").param(BOOTSTRAP_LOCK).query().singleRow();
          if (!users.anyExists()) {
            createAdmin();
          }
          adoptApiKey();
        });
  }

  // Under the same lock as the admin, so that two replicas starting together store it once.
  private void adoptApiKey() {
    ShoalProperties.Bootstrap bootstrap = properties.bootstrap();
    if (bootstrap.apiKey().isEmpty()) {
      return;
    }
    Organisation organisation = bootstrapOrganisation();
    if (apiKeys.adopt(organisation.id(), Role.ADMIN, "bootstrap", bootstrap.apiKey())) {
      log.info(
          "Stored the bootstrap API key (shoal.bootstrap.api-key) as an ADMIN key of '{}'",
          organisation.slug());
    }
  }

  private Organisation bootstrapOrganisation() {
    String slug = properties.bootstrap().organisation();
    return organisations.findBySlug(slug).orElseGet(() -> organisations.create(slug, slug));
  }

  private void createAdmin() {
    ShoalProperties.Bootstrap bootstrap = properties.bootstrap();
    Organisation organisation = bootstrapOrganisation();
    String password = bootstrap.adminPassword();
    if (password.isEmpty()) {
      password = randomPassword();
      generatedPassword = password;
    }
    users.create(organisation.id(), bootstrap.adminUsername(), password, Role.ADMIN);
    createdNow = true;
    log.info(
        "First start: created organisation '{}' and admin user '{}'",
        organisation.slug(),
        bootstrap.adminUsername());
  }

  @EventListener
  void printWhereToSignIn(ApplicationReadyEvent event) {
    String port =
        event.getApplicationContext().getEnvironment().getProperty("local.server.port", "8080");
    String url = properties.baseUrl(Integer.parseInt(port));
    log.info("Shoal control plane is ready at {}", url);
    System.out.println(banner(url));
    generatedPassword = null;
  }

  private String banner(String url) {
    String line = "=".repeat(72);
    StringBuilder text = new StringBuilder("\n").append(line).append('\n');
    text.append("  Shoal control plane is ready: ").append(url).append('\n');
    if (!createdNow) {
      text.append("  An admin user exists already; sign in at ").append(url).append("login\n");
    } else {
      text.append("  First start: created organisation '")
          .append(properties.bootstrap().organisation())
          .append("' and its admin.\n");
      text.append("    username: ").append(properties.bootstrap().adminUsername()).append('\n');
      if (generatedPassword != null) {
        text.append("    password: ").append(generatedPassword).append('\n');
        text.append("  This password is shown only this once: keep it now.\n");
      } else {
        text.append(
            "    password: the one set in SHOAL_ADMIN_PASSWORD / shoal.bootstrap.admin-password\n");
      }
    }
    if (!properties.bootstrap().apiKey().isEmpty()) {
      text.append(
          "  API key (ADMIN): the one set in SHOAL_BOOTSTRAP_API_KEY / shoal.bootstrap.api-key\n");
    }
    return text.append(line).append('\n').toString();
  }

  private static String randomPassword() {
    byte[] bytes = new byte[18];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
