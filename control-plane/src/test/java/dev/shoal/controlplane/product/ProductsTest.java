package dev.shoal.controlplane.product;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.support.OrganisationTest;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.ApiClient.Credentials;
import dev.shoal.testsupport.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ProductsTest extends OrganisationTest {

  private Credentials releaseManager;

  @BeforeEach
  void releaseManagerKey() {
    releaseManager = Credentials.apiKey(org.keys().get(Role.RELEASE_MANAGER));
  }

  @Test
  void aCreatedProductAndItsChannelsCanBeReadBack() {
    Response created =
        http.post(
            "/api/v1/products",
            releaseManager,
            ApiClient.json("slug", "space-game", "name", "Space"));
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/products/space-game");
    http.post(
        "/api/v1/products/space-game/channels", releaseManager, ApiClient.json("name", "stable"));
    http.post(
        "/api/v1/products/space-game/channels", releaseManager, ApiClient.json("name", "beta"));

    JsonNode products = http.get("/api/v1/products", viewer).json();
    JsonNode product = http.get("/api/v1/products/space-game", viewer).json();
    JsonNode channels = http.get("/api/v1/products/space-game/channels", viewer).json();

    assertThat(products.findValues("slug").stream().map(JsonNode::asString))
        .containsExactly("space-game");
    assertThat(product.get("name").asString()).isEqualTo("Space");
    assertThat(product.get("id").asString()).isEqualTo(created.json().get("id").asString());
    assertThat(channels.findValues("name").stream().map(JsonNode::asString))
        .containsExactly("beta", "stable");
  }

  @Test
  void anotherOrganisationSeesNoneOfThem() {
    http.post(
        "/api/v1/products", releaseManager, ApiClient.json("slug", "secret", "name", "Secret"));
    Credentials stranger = Credentials.apiKey(organisations.create().keys().get(Role.ADMIN));

    assertThat(http.get("/api/v1/products", stranger).json()).isEmpty();
    assertThat(http.get("/api/v1/products/secret", stranger).status()).isEqualTo(404);
    // The same slug is free in another organisation.
    assertThat(
            http.post(
                    "/api/v1/products", stranger, ApiClient.json("slug", "secret", "name", "Mine"))
                .status())
        .isEqualTo(201);
  }

  @Test
  void duplicatesAre409() {
    http.post("/api/v1/products", releaseManager, ApiClient.json("slug", "dup", "name", "Dup"));
    http.post("/api/v1/products/dup/channels", releaseManager, ApiClient.json("name", "stable"));

    Response product =
        http.post(
            "/api/v1/products", releaseManager, ApiClient.json("slug", "dup", "name", "Again"));
    Response channel =
        http.post(
            "/api/v1/products/dup/channels", releaseManager, ApiClient.json("name", "stable"));

    assertThat(product.status()).isEqualTo(409);
    assertThat(product.json().get("detail").asString()).isEqualTo("Product 'dup' exists");
    assertThat(channel.status()).isEqualTo(409);
  }

  @Test
  void channelsOfAnUnknownProductAre404() {
    assertThat(http.get("/api/v1/products/nope/channels", viewer).status()).isEqualTo(404);
    assertThat(
            http.post("/api/v1/products/nope/channels", releaseManager, ApiClient.json("name", "x"))
                .status())
        .isEqualTo(404);
  }
}
