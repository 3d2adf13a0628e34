package dev.shoal.agent.localapi;

import dev.shoal.agent.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** What a handler returns. A null body with status 0 means the handler answered by itself (SSE). */
record ApiResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
  static final ApiResponse HANDLED = new ApiResponse(0, null, null, Map.of());

  static ApiResponse json(Object value) {
    return json(200, value);
  }

  static ApiResponse json(int status, Object value) {
    return new ApiResponse(
        status, "application/json", Json.MAPPER.writeValueAsBytes(value), Map.of());
  }

  static ApiResponse problem(Problem p) {
    return new ApiResponse(
        p.status(), "application/problem+json", Json.MAPPER.writeValueAsBytes(p), Map.of());
  }

  static ApiResponse html(int status, String html, String csp, Map<String, String> headers) {
    Map<String, String> h = new java.util.HashMap<>(headers);
    h.put("Content-Security-Policy", csp);
    return new ApiResponse(
        status, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8), Map.copyOf(h));
  }

  static ApiResponse redirect(String location, Map<String, String> headers) {
    Map<String, String> h = new java.util.HashMap<>(headers);
    h.put("Location", location);
    return new ApiResponse(303, null, new byte[0], Map.copyOf(h));
  }
}
