package dev.shoal.controlplane.support;

import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.SharedPostgres;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the API tests: one control plane on a random port, shared by every subclass (same Spring
 * test context), on one database. Tests stay apart by each making their own organisations with
 * {@link TestOrganisations}, which is what the API's organisation scoping promises anyway.
 */
@Import(TestOrganisations.class)
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"spring.datasource.hikari.maximum-pool-size=5", "spring.main.banner-mode=off"})
public abstract class ApiTest {

  private static final String DATABASE_URL = SharedPostgres.newDatabaseUrl();
  protected static final java.nio.file.Path DATA_DIR = temporaryDataDir();

  private static java.nio.file.Path temporaryDataDir() {
    try {
      java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("shoal-cp-test");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", () -> DATABASE_URL);
    registry.add("shoal.data-dir", () -> DATA_DIR);
    registry.add("shoal.origin.seeder-bind-address", () -> "127.0.0.1");
  }

  @LocalServerPort protected int port;
  @Autowired protected TestOrganisations organisations;

  protected ApiClient http() {
    return ApiClient.anonymous("http://localhost:" + port);
  }
}
