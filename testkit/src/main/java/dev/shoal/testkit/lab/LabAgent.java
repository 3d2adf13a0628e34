package dev.shoal.testkit.lab;

import dev.shoal.agent.localapi.LocalApiFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real agent process ({@code shoal-agent run}) inside one player's namespace of a home, enrolled
 * with the lab's control plane over https. Its local API (127.0.0.1 of that namespace) is reached
 * through a relay socket file.
 */
public final class LabAgent implements AutoCloseable {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final Home home;
  private final int player;
  private final Path dataDir;
  private final Process process;
  private final Process relay;
  private final Path socket;
  private final LocalApiFile api;

  LabAgent(
      Home home,
      int player,
      Path dataDir,
      Process process,
      Process relay,
      Path socket,
      LocalApiFile api) {
    this.home = home;
    this.player = player;
    this.dataDir = dataDir;
    this.process = process;
    this.relay = relay;
    this.socket = socket;
    this.api = api;
  }

  public Home home() {
    return home;
  }

  /** 0 for a home's first player, 1 for the second on the same LAN. */
  public int player() {
    return player;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** The agent's output (stdout and stderr). */
  public Path log() {
    return dataDir.resolveSibling(dataDir.getFileName() + ".log");
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** One local API call; its status and body, whatever the status. */
  public UnixHttp.Answer send(String method, String path, Object body) {
    String json = body == null ? null : JSON.writeValueAsString(body);
    return UnixHttp.send(socket, "127.0.0.1:" + api.port(), api.token(), method, path, json);
  }

  /** One local API call that must succeed (2xx); its JSON. */
  public JsonNode call(String method, String path, Object body) {
    UnixHttp.Answer a = send(method, path, body);
    if (a.status() / 100 != 2) {
      throw new LabException(
          home.name()
              + "/"
              + player
              + ": "
              + method
              + " "
              + path
              + " -> "
              + a.status()
              + " "
              + a.body());
    }
    return a.body().isEmpty() ? JSON.nullNode() : JSON.readTree(a.body());
  }

  public JsonNode status() {
    return call("GET", "/v1/status", null);
  }

  public String deviceId() {
    return status().get("deviceId").asString();
  }

  /** Grants {@code download} or {@code upload} quoting the hash of the standard English text. */
  public void grant(String scope) {
    JsonNode text = call("GET", "/v1/consent/texts?scope=" + scope + "&locale=en", null).get(0);
    call(
        "POST",
        "/v1/consent",
        Map.of(
            "scope",
            text.get("scope").asString(),
            "decision",
            "GRANTED",
            "textSha256",
            text.get("sha256").asString(),
            "askedWhere",
            "SETTINGS"));
  }

  public void withdraw(String scope) {
    JsonNode text = call("GET", "/v1/consent/texts?scope=" + scope + "&locale=en", null).get(0);
    call(
        "POST",
        "/v1/consent",
        Map.of(
            "scope", text.get("scope").asString(),
            "decision", "WITHDRAWN",
            "askedWhere", "SETTINGS"));
  }

  /** Starts installing a product's channel in this player's data area; returns the install id. */
  public String install(String product, String channel) {
    Path dir = dataDir.resolveSibling(dataDir.getFileName() + "-games").resolve(product);
    return call(
            "POST",
            "/v1/installs",
            Map.of("product", product, "channel", channel, "directory", dir.toString()))
        .get("id")
        .asString();
  }

  public JsonNode installStatus(String id) {
    return call("GET", "/v1/installs/" + id, null);
  }

  /** Waits until the install has ended (COMPLETED, FAILED, CANCELLED); returns its last status. */
  public JsonNode awaitInstall(String id, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode s = installStatus(id);
      String state = s.get("state").asString();
      if (state.equals("COMPLETED") || state.equals("FAILED") || state.equals("CANCELLED")) {
        return s;
      }
      if (System.nanoTime() > deadline) {
        throw new LabException(
            home.name() + "/" + player + ": install not done in " + timeout + ": " + s);
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LabException("interrupted");
      }
    }
  }

  /** Stops the agent (SIGTERM: it closes its swarm and deletes its mappings), then its relay. */
  @Override
  public void close() {
    Processes.stop(process, Duration.ofSeconds(10));
    Processes.stop(relay, Duration.ofSeconds(2));
    try {
      Files.deleteIfExists(socket);
    } catch (java.io.IOException e) {
      // A leftover socket file in the run directory: removed with the directory.
    }
  }
}
