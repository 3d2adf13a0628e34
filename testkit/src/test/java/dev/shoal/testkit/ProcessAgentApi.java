package dev.shoal.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.localapi.LocalApiFile;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Response;
import java.nio.file.Path;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The local API of an agent that runs as its own process (AgentFixture drives one in this JVM):
 * calls with its token, each expected to succeed, and consent granted as a player would.
 */
public final class ProcessAgentApi {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private ProcessAgentApi() {}

  /** One call; asserts a 2xx answer and returns its JSON. */
  public static JsonNode call(LocalApiFile api, String method, String path, Object body) {
    Response r =
        ApiClient.withApiKey(api.baseUrl(), api.token())
            .send(method, path, body == null ? null : JSON.writeValueAsString(body));
    assertThat(r.status() / 100).as(method + " " + path + ": " + r.body()).isEqualTo(2);
    return r.json();
  }

  /**
   * Asks the agent to install a product's channel into {@code directory}; returns the install id.
   */
  public static String install(LocalApiFile api, String product, String channel, Path directory) {
    return call(
            api,
            "POST",
            "/v1/installs",
            Map.of("product", product, "channel", channel, "directory", directory.toString()))
        .get("id")
        .asString();
  }

  /** Grants a scope ({@code download} or {@code upload}) quoting the hash of its English text. */
  public static void grant(LocalApiFile api, String scope) throws Exception {
    JsonNode text =
        call(api, "GET", "/v1/consent/texts?scope=" + scope + "&locale=en", null).get(0);
    call(api, "POST", "/v1/consent", AgentFixture.grantBody(text, "SETTINGS"));
  }
}
