package dev.shoal.agent;

import dev.shoal.agent.install.InstallStatus;
import dev.shoal.agent.json.Json;
import dev.shoal.agent.localapi.LocalApiFile;
import dev.shoal.swarm.SwarmConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import tools.jackson.databind.JsonNode;

/** A real agent on a temp data dir and a random loopback port, plus an HTTP client for tests. */
public final class RunningAgent implements AutoCloseable {
  public final Path dataDir;
  public final Agent agent;
  public final LocalApiFile api;
  public final HttpClient http = HttpClient.newHttpClient();

  public RunningAgent(Path dataDir) throws IOException {
    this(dataDir, Agent.defaultSwarmConfig());
  }

  /** With the agent's swarm engine configured by the test (loopback, known port). */
  public RunningAgent(Path dataDir, SwarmConfig swarm) throws IOException {
    this(dataDir, swarm, false);
  }

  /** {@code utp}: the agent's own setting ({@code --utp=on}), which overrides the swarm's. */
  public RunningAgent(Path dataDir, SwarmConfig swarm, boolean utp) throws IOException {
    this.dataDir = dataDir;
    Path noPower = dataDir.resolveSibling(dataDir.getFileName() + "-no-power-supply");
    Files.createDirectories(noPower);
    this.agent =
        Agent.start(
            AgentConfig.builder()
                .dataDir(dataDir)
                .powerSupplyRoot(noPower)
                // Tests must not ask the machine's real router for mappings.
                .portMapping(AgentConfig.PortMapping.OFF)
                .utp(utp)
                .build(),
            java.time.Clock.systemDefaultZone(),
            swarm);
    this.api = LocalApiFile.read(dataDir.resolve("local-api.json")).orElseThrow();
  }

  public URI uri(String path) {
    return URI.create(api.baseUrl() + path);
  }

  public HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(uri(path))
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + api.token());
  }

  public HttpResponse<String> send(HttpRequest req) throws IOException, InterruptedException {
    return http.send(req, HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send(request(path).GET().build());
  }

  public HttpResponse<String> sendJson(String method, String path, String json)
      throws IOException, InterruptedException {
    return send(
        request(path)
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  public static JsonNode json(HttpResponse<String> r) {
    return Json.MAPPER.readTree(r.body());
  }

  @Override
  public void close() {
    agent.close();
  }

  /** An install's status as the agent reports it: a finished run of "demo" on "live". */
  public static InstallStatus installStatus(
      String id,
      String dir,
      InstallStatus.State state,
      Long version,
      String display,
      Instant finishedAt) {
    return new InstallStatus(
        id,
        "demo",
        "live",
        dir,
        "FOREGROUND",
        state,
        version,
        version,
        display,
        version == null ? null : "full",
        0,
        0,
        0,
        null,
        0,
        0,
        0,
        0,
        "OK",
        state == InstallStatus.State.FAILED
            ? new InstallStatus.Error("ENTITLEMENT", "this device is not entitled to demo", false)
            : null,
        finishedAt);
  }
}
