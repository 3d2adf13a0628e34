package dev.shoal.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.support.ApiTest;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.ApiClient.Credentials;
import dev.shoal.testsupport.Response;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import tools.jackson.databind.JsonNode;

class OpsEndpointsTest extends ApiTest {

  @Autowired ApplicationContext context;

  @Test
  void livenessAndReadinessProbesAreUpWithoutAuthentication() {
    ApiClient http = http();
    for (String probe : new String[] {"/actuator/health/liveness", "/actuator/health/readiness"}) {
      Response response = http.get(probe, Credentials.NONE);
      assertThat(response.status()).as(probe).isEqualTo(200);
      assertThat(response.json().get("status").asString()).isEqualTo("UP");
    }
  }

  /**
   * The Redis client is on the classpath but no Redis is configured: swarms stay in memory and no
   * Redis health check turns health DOWN (Boot's would, failing to reach localhost:6379).
   */
  @Test
  void withoutRedisHealthIsUpAndSwarmsStayInMemory() {
    Response response = http().get("/actuator/health", Credentials.NONE);
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().get("status").asString()).isEqualTo("UP");
    assertThat(context.containsBean("redisHealthIndicator")).isFalse();
    assertThat(context.getBean("swarmStore").getClass().getSimpleName())
        .isEqualTo("InMemorySwarms");
  }

  @Test
  void infoTellsTheBuild() {
    JsonNode info = http().get("/actuator/info", Credentials.NONE).json();
    assertThat(info.get("build").get("artifact").asString()).isEqualTo("control-plane");
  }

  @Test
  void prometheusIsPublicByDefault() {
    Response response =
        http().send(http().request("/actuator/prometheus").header("Accept", "text/plain").build());
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).contains("jvm_memory_used_bytes").contains("hikaricp_connections");
  }

  @Test
  void theOpenApiDocumentDescribesTheV1Api() {
    JsonNode doc = http().get("/v3/api-docs", Credentials.NONE).json();

    assertThat(doc.get("paths").propertyNames())
        .contains(
            "/api/v1/me",
            "/api/v1/products",
            "/api/v1/products/{slug}/channels",
            "/api/v1/api-keys",
            "/api/v1/api-keys/{id}",
            "/api/v1/users")
        .allMatch(path -> path.startsWith("/api/v1/"));
    // The caller comes from the security context, not from a request parameter.
    assertThat(doc.get("paths").get("/api/v1/products").toString()).doesNotContain("\"caller\"");
    assertThat(doc.get("components").get("securitySchemes").propertyNames()).contains("apiKey");
  }

  @Test
  void swaggerUiIsServed() {
    ApiClient http = http();
    Response redirect = http.send(http.request("/swagger-ui.html").build());
    assertThat(redirect.status()).isEqualTo(302);
    String location = redirect.headers().firstValue("Location").orElseThrow();

    Response page = http.send(http.request(location.replaceFirst("^https?://[^/]+", "")).build());

    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("swagger-ui");
  }
}
