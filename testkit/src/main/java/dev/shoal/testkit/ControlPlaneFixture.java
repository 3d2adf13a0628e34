package dev.shoal.testkit;

import dev.shoal.controlplane.ShoalControlPlaneApplication;
import dev.shoal.controlplane.apikey.ApiKeys;
import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.organisation.Organisation;
import dev.shoal.controlplane.organisation.Organisations;
import dev.shoal.controlplane.user.Users;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Publisher;
import dev.shoal.testsupport.SharedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real control plane, in-process on a random port, on a fresh database of the JVM's shared
 * embedded PostgreSQL. On start it has the bootstrap organisation ("default") with an admin user
 * and an admin API key.
 *
 * <p>As a JUnit 5 extension (started before the class's tests, stopped after):
 *
 * <pre>{@code
 * @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();
 * ... controlPlane.admin().post("/api/v1/products", Map.of("slug", "game", "name", "Game"));
 * }</pre>
 *
 * <p>Or by hand: {@code try (var cp = new ControlPlaneFixture().start()) { ... }}.
 */
public final class ControlPlaneFixture
    implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
  private static final AtomicInteger ORGANISATIONS = new AtomicInteger();

  private final Map<String, Object> settings = new LinkedHashMap<>();
  private final String adminPassword = "testkit-" + UUID.randomUUID();
  private ConfigurableApplicationContext context;
  private Path dataDir;
  private Organisation organisation;
  private String adminApiKey;
  private Duration startupTime;

  /** A fixture with the default settings; call {@link #start()} or register it as an extension. */
  public ControlPlaneFixture() {}

  /** Adds a control-plane setting (e.g. {@code shoal.ops.prometheus-public=false}) before start. */
  public ControlPlaneFixture with(String property, Object value) {
    settings.put(property, value);
    return this;
  }

  /** Starts the control plane and waits until it serves requests; returns this. */
  public ControlPlaneFixture start() {
    if (context != null) {
      return this;
    }
    long begin = System.nanoTime();
    dataDir = temporaryDirectory();
    context = new SpringApplicationBuilder(ShoalControlPlaneApplication.class).run(arguments());
    organisation = bean(Organisations.class).findBySlug("default").orElseThrow();
    adminApiKey = createApiKey(organisation, Role.ADMIN);
    startupTime = Duration.ofNanos(System.nanoTime() - begin);
    return this;
  }

  private String[] arguments() {
    Map<String, Object> all = new LinkedHashMap<>();
    if (!settings.containsKey("spring.datasource.url")) {
      // A test that brings its own database (with(...)) does not need the shared one.
      all.put("spring.datasource.url", SharedPostgres.newDatabaseUrl());
    }
    all.put("server.port", 0);
    all.put("spring.main.banner-mode", "off");
    all.put("spring.datasource.hikari.maximum-pool-size", 4);
    all.put("shoal.data-dir", dataDir);
    all.put("shoal.bootstrap.admin-password", adminPassword);
    all.put("logging.level.root", "WARN");
    // Loopback only: the origin seeder must not listen on the machine's other interfaces.
    all.put("shoal.origin.seeder-bind-address", "127.0.0.1");
    all.putAll(settings);
    List<String> args = new ArrayList<>();
    // Command-line arguments win over the control plane's application.properties.
    all.forEach((key, value) -> args.add("--" + key + "=" + value));
    return args.toArray(String[]::new);
  }

  private static Path temporaryDirectory() {
    try {
      return Files.createTempDirectory("shoal-testkit");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The control plane's data directory (a temporary one, deleted on close). */
  public Path dataDir() {
    running();
    return dataDir;
  }

  /** E.g. {@code http://localhost:41234} (no trailing slash). */
  public String baseUrl() {
    return "http://localhost:" + port();
  }

  public int port() {
    return Integer.parseInt(running().getEnvironment().getRequiredProperty("local.server.port"));
  }

  /** The bootstrap organisation ("default"). */
  public Organisation organisation() {
    running();
    return organisation;
  }

  public String adminUsername() {
    return "admin";
  }

  public String adminPassword() {
    return adminPassword;
  }

  /** An ADMIN API key of the bootstrap organisation. */
  public String adminApiKey() {
    running();
    return adminApiKey;
  }

  /** A client authenticated with the admin API key. */
  public ApiClient admin() {
    return client(adminApiKey());
  }

  /** A client authenticated with the given API key. */
  public ApiClient client(String apiKey) {
    return ApiClient.withApiKey(baseUrl(), apiKey);
  }

  /** A client with no credentials. */
  public ApiClient anonymous() {
    return ApiClient.anonymous(baseUrl());
  }

  /** A client signed in to the dashboard (session cookie plus CSRF header) as this user. */
  public ApiClient signIn(String username, String password) {
    return ApiClient.signedIn(baseUrl(), username, password);
  }

  /** A publisher with the admin API key of the bootstrap organisation. */
  public Publisher publisher() {
    return Publisher.of(baseUrl(), adminApiKey());
  }

  /**
   * A publisher of a new organisation (so with its own signing key; its slug is the prefix and a
   * number) with an admin API key of its own.
   */
  public Publisher newPublisher(String organisationPrefix) {
    Organisation organisation =
        createOrganisation(organisationPrefix + ORGANISATIONS.incrementAndGet());
    return Publisher.of(baseUrl(), createApiKey(organisation, Role.ADMIN));
  }

  /** Issues a new API key with the given role in the bootstrap organisation. */
  public String createApiKey(Role role) {
    return createApiKey(organisation(), role);
  }

  public String createApiKey(Organisation in, Role role) {
    return bean(ApiKeys.class).issue(in.id(), role, "testkit " + role, null).token();
  }

  /** Creates another organisation (for isolation tests); give it keys with createApiKey. */
  public Organisation createOrganisation(String slug) {
    return bean(Organisations.class).create(slug, slug);
  }

  /** Creates a dashboard user in an organisation. */
  public void createUser(Organisation in, String username, String password, Role role) {
    bean(Users.class).create(in.id(), username, password, role);
  }

  /** Any bean of the running control plane, for what the API does not (yet) offer. */
  public <T> T bean(Class<T> type) {
    return running().getBean(type);
  }

  /**
   * A bean by name, for package-private components (e.g. {@code bean("originSeeder",
   * Lifecycle.class)} to stop the origin seeder as if it had died).
   */
  public <T> T bean(String name, Class<T> type) {
    return running().getBean(name, type);
  }

  /** How long {@link #start()} took, including the shared PostgreSQL if this was the first. */
  public Duration startupTime() {
    running();
    return startupTime;
  }

  private ConfigurableApplicationContext running() {
    if (context == null) {
      throw new IllegalStateException("The control plane is not started: call start()");
    }
    return context;
  }

  @Override
  public void close() {
    if (context != null) {
      context.close();
      context = null;
      deleteRecursively(dataDir);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException("Could not delete " + dir, e);
    }
  }

  @Override
  public void beforeAll(ExtensionContext extensionContext) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext extensionContext) {
    close();
  }
}
