package dev.shoal.agent.localapi;

import com.sun.net.httpserver.HttpExchange;
import dev.shoal.agent.json.Json;
import java.util.Map;
import tools.jackson.core.JacksonException;

/** A parsed, authenticated request, handed to route handlers. */
record ApiRequest(
    HttpExchange exchange,
    String method,
    String path,
    Map<String, String> pathParams,
    Map<String, String> query,
    byte[] body) {

  /** Parses the body strictly as {@code type}; any JSON problem is the client's fault (400). */
  <T> T bodyAs(Class<T> type) {
    if (body.length == 0) {
      throw new ApiException(ProblemCode.BAD_REQUEST, "a JSON body is required");
    }
    try {
      return Json.MAPPER.readValue(body, type);
    } catch (JacksonException e) {
      throw new ApiException(
          ProblemCode.BAD_REQUEST, "invalid JSON body: " + e.getOriginalMessage());
    }
  }
}
