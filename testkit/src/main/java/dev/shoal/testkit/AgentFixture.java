package dev.shoal.testkit;

import dev.shoal.agent.Agent;
import dev.shoal.agent.AgentConfig;
import dev.shoal.agent.localapi.LocalApiFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real edge agent (the production {@link Agent}) on a temporary data directory, driven through
 * its real local API over loopback HTTP with the token from its {@code local-api.json}, exactly as
 * a launcher or the SDK does.
 */
public final class AgentFixture implements AutoCloseable {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** A local API answer: status and body. */
  public record Response(int status, String body) {
    public JsonNode json() {
      return JSON.readTree(body);
    }

    public Response assertSuccess() {
      if (status / 100 != 2) {
        throw new AssertionError("local API answered " + status + ": " + body);
      }
      return this;
    }
  }

  private final Path dataDir;
  private final Agent agent;
  private final LocalApiFile api;
  private final HttpClient http = HttpClient.newHttpClient();

  private AgentFixture(Path dataDir, Agent agent) {
    this.dataDir = dataDir;
    this.agent = agent;
    this.api = LocalApiFile.read(dataDir.resolve("local-api.json")).orElseThrow();
  }

  /** Starts an agent on {@code dataDir} (created if missing), on mains power. */
  public static AgentFixture start(Path dataDir) {
    return start(dataDir, 0);
  }

  /** With a cache limit in bytes (0: the agent's default rule). */
  public static AgentFixture start(Path dataDir, long cacheLimitBytes) {
    try {
      Files.createDirectories(dataDir);
      Path noPower = dataDir.resolveSibling(dataDir.getFileName() + "-no-power-supply");
      Files.createDirectories(noPower);
      Agent agent =
          Agent.start(
              AgentConfig.builder()
                  .dataDir(dataDir)
                  .powerSupplyRoot(noPower)
                  .cacheLimitBytes(cacheLimitBytes)
                  // Tests outside the namespace lab never ask the machine's real router.
                  .portMapping(AgentConfig.PortMapping.OFF)
                  .build());
      return new AgentFixture(dataDir, agent);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Agent agent() {
    return agent;
  }

  public Path dataDir() {
    return dataDir;
  }

  public String deviceId() {
    return agent.identity().deviceId();
  }

  public LocalApiFile localApi() {
    return api;
  }

  public Response get(String path) {
    return send("GET", path, null);
  }

  public Response post(String path, Object body) {
    return send("POST", path, body == null ? "" : JSON.writeValueAsString(body));
  }

  public Response send(String method, String path, String json) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(api.baseUrl() + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + api.token());
    if (json == null || json.isEmpty()) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(json));
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Enrols with a control plane through the local API. */
  public void enrol(ControlPlaneFixture controlPlane, String organisation) {
    enrol(controlPlane.baseUrl(), organisation);
  }

  /** Enrols through the local API with the control plane at this URL (or a proxy in front). */
  public void enrol(String controlPlaneUrl, String organisation) {
    post("/v1/enrolment", Map.of("controlPlane", controlPlaneUrl, "organisation", organisation))
        .assertSuccess();
  }

  /**
   * Grants a consent scope ({@code download} or {@code upload}) as a player would: fetch the
   * standard text, then quote its hash.
   */
  public void grantConsent(String scope) {
    post("/v1/consent", grantBody(consentText(scope), "LAUNCHER")).assertSuccess();
  }

  /** The {@code POST /v1/consent} body that grants the scope of {@code text}, quoting its hash. */
  public static Map<String, Object> grantBody(JsonNode text, String askedWhere) {
    return Map.of(
        "scope",
        text.get("scope").asString(),
        "decision",
        "GRANTED",
        "textSha256",
        text.get("sha256").asString(),
        "askedWhere",
        askedWhere);
  }

  /**
   * Withdraws a consent scope ({@code download} or {@code upload}), as in the player's settings.
   */
  public void withdrawConsent(String scope) {
    post(
            "/v1/consent",
            Map.of(
                "scope", consentText(scope).get("scope").asString(),
                "decision", "WITHDRAWN",
                "askedWhere", "SETTINGS"))
        .assertSuccess();
  }

  /** The agent's standard English text for a scope; its "scope" is the API's name for it. */
  private JsonNode consentText(String scope) {
    return get("/v1/consent/texts?scope=" + scope + "&locale=en").assertSuccess().json().get(0);
  }

  /** Starts an install; returns its id. */
  public String install(String product, String channel, Path directory) {
    return post(
            "/v1/installs",
            Map.of("product", product, "channel", channel, "directory", directory.toString()))
        .assertSuccess()
        .json()
        .get("id")
        .asString();
  }

  /** Waits until the install is COMPLETED, FAILED or CANCELLED; returns its last status. */
  public JsonNode awaitInstall(String id, Duration timeout) {
    Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              String s = get("/v1/installs/" + id).assertSuccess().json().get("state").asString();
              return s.equals("COMPLETED") || s.equals("FAILED") || s.equals("CANCELLED");
            });
    return get("/v1/installs/" + id).assertSuccess().json();
  }

  @Override
  public void close() {
    agent.close();
  }
}
