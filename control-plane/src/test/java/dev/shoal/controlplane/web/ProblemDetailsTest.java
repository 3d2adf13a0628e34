package dev.shoal.controlplane.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.support.OrganisationTest;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.ApiClient.Credentials;
import dev.shoal.testsupport.Response;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/** Every kind of error is RFC 9457 application/problem+json, with nothing internal leaking. */
@ExtendWith(OutputCaptureExtension.class)
class ProblemDetailsTest extends OrganisationTest {

  private static JsonNode assertProblem(Response response, int status, String instance) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.contentType()).startsWith("application/problem+json");
    JsonNode problem = response.json();
    assertThat(problem.get("type").asString()).isNotBlank();
    assertThat(problem.get("title").asString()).isNotBlank();
    assertThat(problem.get("status").asInt()).isEqualTo(status);
    assertThat(problem.get("detail").asString()).isNotBlank();
    assertThat(problem.get("instance").asString()).isEqualTo(instance);
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
    return problem;
  }

  /** An admin's POST of {@code body} to {@code path} is a 400 problem. */
  private JsonNode assertBadRequest(String path, String body) {
    return assertProblem(http.post(path, admin, body), 400, path);
  }

  /** The fields a validation problem names. */
  private static List<String> fields(JsonNode problem) {
    return problem.get("errors").findValues("field").stream().map(JsonNode::asString).toList();
  }

  @Test
  void unauthenticatedIs401() {
    assertProblem(http.get("/api/v1/products", Credentials.NONE), 401, "/api/v1/products");
  }

  @Test
  void anInsufficientRoleIs403() {
    assertProblem(
        http.post("/api/v1/products", viewer, ApiClient.json("slug", "x", "name", "x")),
        403,
        "/api/v1/products");
  }

  @Test
  void unknownThingsAndPathsAre404() {
    assertProblem(http.get("/api/v1/products/nope", viewer), 404, "/api/v1/products/nope");
    assertProblem(http.get("/api/v1/no-such-endpoint", viewer), 404, "/api/v1/no-such-endpoint");
  }

  @Test
  void aWrongMethodIs405() {
    assertProblem(
        http.send("DELETE", "/api/v1/products", admin, null, null), 405, "/api/v1/products");
  }

  @Test
  void aWrongContentTypeIs415() {
    assertProblem(
        http.send("POST", "/api/v1/products", admin, "slug=x", "text/plain"),
        415,
        "/api/v1/products");
  }

  @Test
  void malformedJsonIs400AndLoggedAtWarnWithItsPath(CapturedOutput output) {
    JsonNode problem = assertBadRequest("/api/v1/products", "{\"slug\": \"x\", ");

    assertThat(problem.get("detail").asString())
        .isEqualTo("The request body is missing or not valid JSON");
    assertThat(output).contains("WARN").contains("POST /api/v1/products -> 400");
  }

  @Test
  void validationErrorsListTheFields() {
    JsonNode problem =
        assertBadRequest("/api/v1/products", ApiClient.json("slug", "Not A Slug!", "name", ""));

    assertThat(problem.get("type").asString()).isEqualTo("urn:shoal:problem:validation");
    assertThat(fields(problem)).containsExactlyInAnyOrder("slug", "name");
  }

  @Test
  void aValueOfTheWrongTypeNamesItsField() {
    JsonNode problem =
        assertBadRequest("/api/v1/api-keys", ApiClient.json("name", "k", "role", "SUPERUSER"));

    assertThat(fields(problem)).containsExactly("role");
  }

  @Test
  void anUnexpectedErrorIs500WithAReferenceAndNoInternals(CapturedOutput output) {
    JsonNode problem =
        assertProblem(
            http.get("/api/v1/test-only/failure", viewer), 500, "/api/v1/test-only/failure");

    assertThat(problem.toString()).doesNotContain(FailingTestController.SECRET_MESSAGE);
    String reference = problem.get("detail").asString().replaceAll(".*reference ", "");
    assertThat(output).contains(reference).contains(FailingTestController.SECRET_MESSAGE);
  }

  @Test
  void requestsTheFirewallRejectsAreProblemsToo() {
    Response response = http.get("/api/v1/products/%2e%2e/secret", viewer);

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.contentType()).startsWith("application/problem+json");
  }
}
