package dev.shoal.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.localapi.LocalApiFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The local API of an agent that runs as its own process (AgentFixture drives one in this JVM):
 * calls with its token, each expected to succeed, and consent granted as a player would.
 */
public final class ProcessAgentApi {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private ProcessAgentApi() {}

  /** One call; asserts a 2xx answer and returns its JSON. */
  public static JsonNode call(LocalApiFile api, String method, String path, Object body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(api.baseUrl() + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + api.token());
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode() / 100).as(method + " " + path + ": " + r.body()).isEqualTo(2);
    return JSON.readTree(r.body());
  }

  /** Grants a scope ({@code download} or {@code upload}) quoting the hash of its English text. */
  public static void grant(LocalApiFile api, String scope) throws Exception {
    JsonNode text =
        call(api, "GET", "/v1/consent/texts?scope=" + scope + "&locale=en", null).get(0);
    call(api, "POST", "/v1/consent", AgentFixture.grantBody(text, "SETTINGS"));
  }
}
