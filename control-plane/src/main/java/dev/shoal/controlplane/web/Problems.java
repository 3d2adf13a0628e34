package dev.shoal.controlplane.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import tools.jackson.databind.json.JsonMapper;

/** RFC 9457 problem details, for the places outside Spring MVC (the security filters). */
public final class Problems {

  private Problems() {}

  /** RFC 9457's type for a problem that its status and title say everything about. */
  public static final URI ABOUT_BLANK = URI.create("about:blank");

  public static ProblemDetail of(HttpStatus status, String detail, HttpServletRequest request) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setInstance(URI.create(request.getRequestURI()));
    return withType(problem);
  }

  /** Spring leaves the type null; our clients may count on it being present. */
  public static ProblemDetail withType(ProblemDetail problem) {
    if (problem.getType() == null) {
      problem.setType(ABOUT_BLANK);
    }
    return problem;
  }

  /**
   * Refuses a request outside Spring MVC (a filter, the security handlers) the way {@code
   * ApiExceptionHandler} does: a WARN on the caller's logger with the path and no stack trace, and
   * the problem as the answer.
   */
  public static void refuse(
      HttpServletRequest request,
      HttpServletResponse response,
      HttpStatus status,
      String detail,
      JsonMapper json,
      Logger log)
      throws IOException {
    refuse(request, response, status, detail, json, log, Level.WARN);
  }

  /** As above, logged at {@code level}: DEBUG for what happens every day by design. */
  public static void refuse(
      HttpServletRequest request,
      HttpServletResponse response,
      HttpStatus status,
      String detail,
      JsonMapper json,
      Logger log,
      Level level)
      throws IOException {
    log.atLevel(level)
        .log(
            "{} {} -> {}: {}",
            request.getMethod(),
            request.getRequestURI(),
            status.value(),
            detail);
    write(response, of(status, detail, request), json);
  }

  public static void write(HttpServletResponse response, ProblemDetail problem, JsonMapper json)
      throws IOException {
    response.setStatus(problem.getStatus());
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    json.writeValue(response.getOutputStream(), asMap(problem));
  }

  private static Map<String, Object> asMap(ProblemDetail problem) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", withType(problem).getType().toString());
    body.put("title", problem.getTitle());
    body.put("status", problem.getStatus());
    body.put("detail", problem.getDetail());
    body.put("instance", problem.getInstance() == null ? null : problem.getInstance().toString());
    if (problem.getProperties() != null) {
      body.putAll(problem.getProperties());
    }
    return body;
  }
}
