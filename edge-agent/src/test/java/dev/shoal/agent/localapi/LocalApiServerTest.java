package dev.shoal.agent.localapi;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.RunningAgent;
import dev.shoal.agent.RunningAgentTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Everything over real HTTP on loopback against a real agent. */
class LocalApiServerTest extends RunningAgentTest {

  @Test
  void tokenFileIsOwnerOnlyAndHoldsA256BitToken() throws Exception {
    Path f = tmp.resolve("data/local-api.json");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
        .isEqualTo("rw-------");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(tmp.resolve("data/agent.lock"))))
        .isEqualTo("rw-------");
    assertThat(java.util.Base64.getUrlDecoder().decode(a.api.token())).hasSize(32);
    assertThat(a.api.port()).isEqualTo(a.agent.localApiPort()).isPositive();
  }

  @Test
  void noTokenIs401() throws Exception {
    HttpResponse<String> r = a.send(HttpRequest.newBuilder(a.uri("/v1/status")).build());
    assertProblem(r, 401, "UNAUTHORIZED");
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
  }

  @Test
  void wrongTokenIs401() throws Exception {
    HttpResponse<String> r =
        a.send(
            HttpRequest.newBuilder(a.uri("/v1/status"))
                .header("Authorization", "Bearer " + a.api.token().replace('A', 'B') + "x")
                .build());
    assertProblem(r, 401, "UNAUTHORIZED");
  }

  @Test
  void unknownPathsDoNotLeakToUnauthenticatedCallers() throws Exception {
    assertProblem(a.send(HttpRequest.newBuilder(a.uri("/v1/nope")).build()), 401, "UNAUTHORIZED");
    assertProblem(a.get("/v1/nope"), 404, "NOT_FOUND");
    HttpResponse<String> r = a.send(a.request("/v1/status").DELETE().build());
    assertProblem(r, 405, "METHOD_NOT_ALLOWED");
    assertThat(r.headers().firstValue("Allow")).hasValue("GET");
  }

  @Test
  void foreignHostIs403EvenWithTheToken() throws Exception {
    String response =
        raw(
            "GET /v1/status HTTP/1.1\r\nHost: evil.example:"
                + a.api.port()
                + "\r\nAuthorization: Bearer "
                + a.api.token()
                + "\r\nConnection: close\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 403").contains("FORBIDDEN_ORIGIN");
    String ok =
        raw(
            "GET /v1/status HTTP/1.1\r\nHost: localhost:"
                + a.api.port()
                + "\r\nAuthorization: Bearer "
                + a.api.token()
                + "\r\nConnection: close\r\n\r\n");
    assertThat(ok).startsWith("HTTP/1.1 200");
  }

  @Test
  void foreignOriginIs403AndThereIsNoCors() throws Exception {
    HttpResponse<String> r =
        a.send(a.request("/v1/status").header("Origin", "https://evil.example").build());
    assertProblem(r, 403, "FORBIDDEN_ORIGIN");
    assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertProblem(
        a.send(a.request("/v1/status").header("Origin", "null").build()), 403, "FORBIDDEN_ORIGIN");
    HttpResponse<String> preflight =
        a.send(
            a.request("/v1/limits")
                .header("Origin", "https://evil.example")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(preflight.statusCode()).isEqualTo(403);
  }

  @Test
  void halfSentRequestsDoNotDelayALauncher() throws Exception {
    List<Socket> slow = new ArrayList<>();
    try {
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 40; i++) {
          Socket s = new Socket("127.0.0.1", a.api.port());
          s.getOutputStream()
              .write("GET /v1/status HTTP/1.1\r\nHost: localhost\r\n".getBytes(US_ASCII));
          slow.add(s);
        }
        Thread.sleep(300); // the server has handed them to its threads
        long start = System.nanoTime();
        HttpResponse<String> r = a.get("/v1/status");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(took).as("round %d", round).isLessThan(Duration.ofSeconds(1));
      }
      // 120 half-sent requests, but the oldest were dropped to make room: threads stay bounded
      assertThat(apiThreads()).isLessThanOrEqualTo(33);
    } finally {
      for (Socket s : slow) {
        s.close();
      }
    }
  }

  private static long apiThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("shoal-local-api-"))
        .count();
  }

  @Test
  void oversizedBodyIs413() throws Exception {
    String big = "{\"on\":true," + "\"x\":\"" + "a".repeat(70 * 1024) + "\"}";
    assertProblem(a.sendJson("POST", "/v1/quiet-mode", big), 413, "PAYLOAD_TOO_LARGE");
  }

  @Test
  void malformedJsonUnknownFieldsAndWrongTypesAre400() throws Exception {
    assertProblem(a.sendJson("POST", "/v1/quiet-mode", "{\"on\":"), 400, "BAD_REQUEST");
    assertProblem(
        a.sendJson("POST", "/v1/quiet-mode", "{\"on\":true,\"evil\":1}"), 400, "BAD_REQUEST");
    assertProblem(a.sendJson("POST", "/v1/quiet-mode", "{\"on\":true} {}"), 400, "BAD_REQUEST");
    assertProblem(a.sendJson("POST", "/v1/quiet-mode", "{}"), 400, "BAD_REQUEST");
    assertProblem(
        a.sendJson("PUT", "/v1/limits", "{\"uploadCapBytesPerSecond\":-5}"), 400, "BAD_REQUEST");
    // A missing number must not silently become 0, which would mean "no limit".
    assertProblem(
        a.sendJson(
            "PUT",
            "/v1/limits",
            "{\"uploadCapBytesPerSecond\":1,\"downloadCapBytesPerSecond\":0,"
                + "\"metered\":false,\"quietModeDownloadCapBytesPerSecond\":5}"),
        400,
        "BAD_REQUEST");
    assertThat(a.agent.policy().settings().monthlyUploadAllowanceBytes()).isPositive();
    HttpResponse<String> notJson =
        a.send(
            a.request("/v1/quiet-mode")
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("on"))
                .build());
    assertProblem(notJson, 415, "UNSUPPORTED_MEDIA_TYPE");
  }

  @Test
  void consentGrantThenWithdrawIsReflectedInStatus() throws Exception {
    JsonNode texts = RunningAgent.json(a.get("/v1/consent/texts?scope=upload&locale=fr"));
    assertThat(texts).hasSize(1);
    assertThat(texts.get(0).path("locale").asString()).isEqualTo("fr");
    String sha = texts.get(0).path("sha256").asString();

    HttpResponse<String> granted =
        a.sendJson(
            "POST",
            "/v1/consent",
            "{\"scope\":\"UPLOAD_TO_PEERS\",\"decision\":\"GRANTED\",\"textSha256\":\""
                + sha
                + "\",\"askedWhere\":\"LAUNCHER\"}");
    assertThat(granted.statusCode()).isEqualTo(200);
    JsonNode status = RunningAgent.json(a.get("/v1/status"));
    assertThat(status.path("sharing").path("uploading").asBoolean()).isTrue();
    assertThat(status.path("consent").path("uploadToPeers").path("granted").asBoolean()).isTrue();
    assertThat(status.path("consent").path("uploadToPeers").path("textLocale").asString())
        .isEqualTo("fr");

    a.sendJson(
        "POST",
        "/v1/consent",
        "{\"scope\":\"UPLOAD_TO_PEERS\",\"decision\":\"WITHDRAWN\",\"askedWhere\":\"SETTINGS\"}");
    status = RunningAgent.json(a.get("/v1/status"));
    assertThat(status.path("sharing").path("uploading").asBoolean()).isFalse();
    assertThat(status.path("sharing").path("uploadOffReasons").get(0).asString())
        .isEqualTo("no upload consent");
    assertThat(a.agent.policy().evaluate().uploadAllowed()).isFalse();
    assertThat(
            RunningAgent.json(a.get("/v1/consent"))
                .path("uploadToPeers")
                .path("granted")
                .asBoolean())
        .isFalse();
  }

  @Test
  void grantWithAHashTheAgentDoesNotShipIs409() throws Exception {
    HttpResponse<String> r =
        a.sendJson(
            "POST",
            "/v1/consent",
            "{\"scope\":\"UPLOAD_TO_PEERS\",\"decision\":\"GRANTED\",\"textSha256\":\""
                + "ab".repeat(32)
                + "\",\"askedWhere\":\"LAUNCHER\"}");
    assertProblem(r, 409, "CONFLICT");
    assertThat(RunningAgent.json(a.get("/v1/status")).path("sharing").path("uploading").asBoolean())
        .isFalse();
  }

  @Test
  void limitsUpdateIsReflectedAndSurvivesARestart() throws Exception {
    String body =
        "{\"uploadCapBytesPerSecond\":500000,\"downloadCapBytesPerSecond\":3000000,"
            + "\"monthlyUploadAllowanceBytes\":5000000000,\"uploadHours\":\"23:00-06:00\","
            + "\"metered\":true,\"quietModeDownloadCapBytesPerSecond\":250000}";
    HttpResponse<String> put = a.sendJson("PUT", "/v1/limits", body);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    JsonNode status = RunningAgent.json(a.get("/v1/status"));
    assertThat(status.path("limits").path("uploadHours").asString()).isEqualTo("23:00-06:00");
    assertThat(status.path("allowance").path("remainingBytes").asLong()).isEqualTo(5_000_000_000L);
    assertThat(status.path("sharing").path("downloadCapBytesPerSecond").asLong())
        .isEqualTo(3_000_000);

    a.close();
    a = new RunningAgent(tmp.resolve("data"));
    JsonNode limits = RunningAgent.json(a.get("/v1/limits"));
    assertThat(limits.path("uploadCapBytesPerSecond").asLong()).isEqualTo(500_000);
    assertThat(limits.path("metered").asBoolean()).isTrue();
  }

  @Test
  void quietModeSlowsDownloadsAndPausesUploads() throws Exception {
    HttpResponse<String> r = a.sendJson("POST", "/v1/quiet-mode", "{\"on\":true}");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode status = RunningAgent.json(r);
    assertThat(status.path("quietMode").asBoolean()).isTrue();
    assertThat(status.path("sharing").path("downloadCapBytesPerSecond").asLong())
        .isEqualTo(1_000_000);
    assertThat(status.path("sharing").path("uploadOffReasons").toString())
        .contains("quiet mode: a game is running");
  }

  @Test
  void eventStreamDeliversStatusChanges() throws Exception {
    try (Socket s = new Socket("127.0.0.1", a.api.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1:"
                  + a.api.port()
                  + "\r\nAuthorization: Bearer "
                  + a.api.token()
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      assertThat(in.readLine()).startsWith("HTTP/1.1 200");
      String first = nextData(in);
      assertThat(first).contains("\"quietMode\":false");
      a.sendJson("POST", "/v1/quiet-mode", "{\"on\":true}");
      assertThat(nextData(in)).contains("\"quietMode\":true");
    }
  }

  private static String nextData(BufferedReader in) throws Exception {
    for (String line; (line = in.readLine()) != null; ) {
      if (line.startsWith("data: ")) {
        return line;
      }
    }
    throw new AssertionError("stream ended");
  }

  private String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", a.api.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static void assertProblem(HttpResponse<String> r, int status, String code) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonNode p = RunningAgent.json(r);
    assertThat(p.path("code").asString()).isEqualTo(code);
    assertThat(p.path("status").asInt()).isEqualTo(status);
    assertThat(p.path("type").asString()).startsWith("urn:shoal:problem:");
    assertThat(p.path("title").asString()).isNotBlank();
    assertThat(p.has("detail")).isTrue();
    assertThat(p.has("retryable")).isTrue();
  }
}
