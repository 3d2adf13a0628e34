package dev.shoal.agent.localapi;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.shoal.agent.RunningAgent;
import dev.shoal.agent.bandwidth.BandwidthSettings;
import dev.shoal.agent.install.InstallRequest;
import dev.shoal.agent.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import tools.jackson.databind.JsonNode;

/**
 * Hostile local API bodies. The first byte of an input picks the endpoint (seeds start with an
 * ASCII digit: {@code 2{"on":true}}), the rest is the body. Without {@code JAZZER_FUZZ} each method
 * replays its seeds in BodiesFuzzTestInputs/&lt;method&gt;/; with it, Jazzer fuzzes one (README).
 *
 * <ul>
 *   <li>{@link #parse}: {@link Bodies}, as the handlers use it. A valid request, or an {@link
 *       ApiException} with a 400 code; nothing else may escape.
 *   <li>{@link #overHttp}: the same bodies through a real agent's loopback API with its token: 2xx
 *       JSON or a 4xx problem with a code, never a 5xx. Only endpoints whose effects stay in the
 *       agent's data directory (installs write where the body says, enrolment connects where it
 *       says).
 * </ul>
 */
class BodiesFuzzTest {
  private static final String[] ENDPOINTS = {
    "POST /v1/consent", "PUT /v1/limits", "POST /v1/quiet-mode", "POST /v1/sharing"
  };

  private static RunningAgent agent;

  @FuzzTest(maxDuration = "5m")
  void parse(byte[] input) {
    if (input.length == 0) {
      return;
    }
    byte[] body = Arrays.copyOfRange(input, 1, input.length);
    try {
      switch ((input[0] & 0xff) % 6) {
        case 0 -> {
          Bodies.ConsentChange c = Bodies.consentChange(body);
          check(c.scope() != null && c.decision() != null && c.askedWhere() != null, "" + c);
        }
        case 1 -> {
          BandwidthSettings s = Bodies.limits(body);
          check(
              s.uploadCapBytesPerSecond() >= 0
                  && s.downloadCapBytesPerSecond() >= 0
                  && s.monthlyUploadAllowanceBytes() >= 0
                  && s.quietModeDownloadCapBytesPerSecond() > 0,
              "" + s);
        }
        case 2 -> Bodies.quietMode(body);
        case 3 -> Bodies.sharingPaused(body);
        case 4 -> {
          Bodies.Enrol e = Bodies.enrol(body);
          String scheme = e.controlPlane().getScheme().toLowerCase(java.util.Locale.ROOT);
          check(scheme.equals("https") || scheme.equals("http"), "" + e.controlPlane());
          check(e.organisation() != null, "no organisation");
        }
        default -> {
          InstallRequest r = Bodies.install(body);
          check(r.directory().isAbsolute() && r.directory().getParent() != null, "" + r);
          check(r.priority() != null && !r.product().isEmpty(), "" + r);
        }
      }
    } catch (ApiException e) {
      check(e.code == ProblemCode.BAD_REQUEST, "code " + e.code);
      check(e.getMessage() != null, "no detail");
    }
  }

  @FuzzTest(maxDuration = "5m")
  void overHttp(byte[] input) throws IOException, InterruptedException {
    if (input.length == 0) {
      return;
    }
    String[] endpoint = ENDPOINTS[(input[0] & 0xff) % ENDPOINTS.length].split(" ");
    HttpResponse<String> r =
        agent()
            .send(
                agent
                    .request(endpoint[1])
                    .header("Content-Type", "application/json")
                    .method(
                        endpoint[0],
                        HttpRequest.BodyPublishers.ofByteArray(input, 1, input.length - 1))
                    .build());
    int status = r.statusCode();
    String type = r.headers().firstValue("Content-Type").orElse("");
    check(status < 500, "status " + status + ": " + r.body());
    if (status >= 400) {
      check(type.startsWith("application/problem+json"), "problem as " + type);
      JsonNode problem = Json.MAPPER.readTree(r.body());
      check(problem.path("status").asInt() == status, "problem status: " + r.body());
      check(!problem.path("code").asString("").isEmpty(), "problem without a code: " + r.body());
    } else {
      check(status >= 200 && status < 300, "status " + status);
      check(type.startsWith("application/json"), "answer as " + type);
    }
  }

  /** One agent for the whole run: starting one per input would be all the run did. */
  private static RunningAgent agent() throws IOException {
    if (agent == null) {
      Path dir = Files.createTempDirectory("bodies-fuzz");
      agent = new RunningAgent(dir.resolve("data"));
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    agent.close();
                    deleteTree(dir);
                  }));
    }
    return agent;
  }

  private static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }
}
