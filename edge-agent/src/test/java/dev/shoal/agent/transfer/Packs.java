package dev.shoal.agent.transfer;

import dev.shoal.agent.RunningAgent;
import java.net.http.HttpResponse;
import tools.jackson.databind.JsonNode;

/**
 * The piece length of the transfer tests' packs, and consent helpers going through the local API.
 */
final class Packs {
  static final int PIECE = 256 * 1024;

  private Packs() {}

  /** Grants a scope the way a launcher does: fetch the text rendered now, quote its hash. */
  static void grant(RunningAgent a, String scope) throws Exception {
    String cli = scope.equals("UPLOAD_TO_PEERS") ? "upload" : "download";
    JsonNode texts = RunningAgent.json(a.get("/v1/consent/texts?scope=" + cli + "&locale=en"));
    String sha = texts.get(0).path("sha256").asString();
    HttpResponse<String> r =
        a.sendJson(
            "POST",
            "/v1/consent",
            "{\"scope\":\""
                + scope
                + "\",\"decision\":\"GRANTED\",\"textSha256\":\""
                + sha
                + "\",\"askedWhere\":\"LAUNCHER\"}");
    if (r.statusCode() != 200) {
      throw new AssertionError("grant failed: " + r.statusCode() + " " + r.body());
    }
  }

  static void withdraw(RunningAgent a, String scope) throws Exception {
    HttpResponse<String> r =
        a.sendJson(
            "POST",
            "/v1/consent",
            "{\"scope\":\"" + scope + "\",\"decision\":\"WITHDRAWN\",\"askedWhere\":\"SETTINGS\"}");
    if (r.statusCode() != 200) {
      throw new AssertionError("withdraw failed: " + r.statusCode() + " " + r.body());
    }
  }
}
