package dev.shoal.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.organisation.Organisation;
import dev.shoal.testsupport.ApiClient;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

class ControlPlaneFixtureTest {

  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  @Test
  void aProductCreatedWithTheAdminKeyCanBeReadBack() {
    controlPlane
        .admin()
        .post("/api/v1/products", Map.of("slug", "space-game", "name", "Space Game"))
        .assertSuccess();

    JsonNode product =
        controlPlane.admin().get("/api/v1/products/space-game").assertSuccess().json();

    assertThat(product.get("name").asString()).isEqualTo("Space Game");
    System.out.printf(
        "Control plane fixture started in %d ms%n", controlPlane.startupTime().toMillis());
  }

  @Test
  void keysActWithTheirRoleAndOrganisation() {
    Organisation other = controlPlane.createOrganisation("other-studio");
    ApiClient stranger = controlPlane.client(controlPlane.createApiKey(other, Role.ADMIN));
    ApiClient viewer = controlPlane.client(controlPlane.createApiKey(Role.VIEWER));
    controlPlane.admin().post("/api/v1/products", Map.of("slug", "mine", "name", "Mine"));

    assertThat(stranger.get("/api/v1/products/mine").status()).isEqualTo(404);
    assertThat(viewer.get("/api/v1/products/mine").status()).isEqualTo(200);
    assertThat(viewer.post("/api/v1/products", Map.of("slug", "x", "name", "X")).status())
        .isEqualTo(403);
    assertThat(controlPlane.anonymous().get("/api/v1/me").status()).isEqualTo(401);
  }

  @Test
  void eachFixtureHasADatabaseOfItsOwn() {
    controlPlane.admin().post("/api/v1/products", Map.of("slug", "only-here", "name", "Here"));

    Path secondDataDir;
    try (ControlPlaneFixture second = new ControlPlaneFixture().start()) {
      secondDataDir = second.dataDir();
      assertThat(secondDataDir).isDirectory().isNotEqualTo(controlPlane.dataDir());
      assertThat(second.port()).isNotEqualTo(controlPlane.port());
      assertThat(second.admin().get("/api/v1/products/only-here").status()).isEqualTo(404);
      System.out.printf(
          "A second control plane fixture started in %d ms%n", second.startupTime().toMillis());
    }
    assertThat(secondDataDir).doesNotExist();
  }

  @Test
  void theAdminCanSignInToTheDashboardAndUseTheApiWithItsSession() {
    ApiClient session =
        controlPlane.signIn(controlPlane.adminUsername(), controlPlane.adminPassword());

    JsonNode me = session.get("/api/v1/me").assertSuccess().json();
    assertThat(me.get("kind").asString()).isEqualTo("USER");
    assertThat(me.get("organisation").get("slug").asString()).isEqualTo("default");
    assertThat(
            session.post("/api/v1/products", Map.of("slug", "by-hand", "name", "By hand")).status())
        .isEqualTo(201);
    assertThat(controlPlane.baseUrl()).startsWith("http://localhost:");
  }
}
