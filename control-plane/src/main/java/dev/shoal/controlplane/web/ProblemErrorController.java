package dev.shoal.controlplane.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Answers errors raised outside Spring MVC (by the servlet container or a filter) with problem
 * details too, replacing Boot's default error JSON.
 */
@RestController
class ProblemErrorController implements ErrorController {

  private static final Logger log = LoggerFactory.getLogger(ProblemErrorController.class);

  @RequestMapping("/error")
  ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
    Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
    // A filter (API key, device signature) could not reach the database: temporary, say so.
    if (request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable e
        && DatabaseUnavailable.isCause(e)) {
      ProblemDetail problem = DatabaseUnavailable.problem();
      problem.setInstance(URI.create(uri == null ? "/error" : uri.toString()));
      Problems.withType(problem);
      log.error("{} -> 503: database unavailable: {}", problem.getInstance(), e.toString());
      return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
          .header(HttpHeaders.RETRY_AFTER, DatabaseUnavailable.RETRY_AFTER_SECONDS)
          .contentType(MediaType.APPLICATION_PROBLEM_JSON)
          .body(problem);
    }
    HttpStatus status = status(request);
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail(status));
    problem.setInstance(URI.create(uri == null ? "/error" : uri.toString()));
    Problems.withType(problem);
    if (status.is4xxClientError()) {
      log.warn("{} -> {}", problem.getInstance(), status.value());
    } else {
      log.error("{} -> {}", problem.getInstance(), status.value());
    }
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem);
  }

  private static HttpStatus status(HttpServletRequest request) {
    Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    HttpStatus status = code instanceof Integer i ? HttpStatus.resolve(i) : null;
    return status == null ? HttpStatus.INTERNAL_SERVER_ERROR : status;
  }

  private static String detail(HttpStatus status) {
    return status.is5xxServerError()
        ? "Internal error; see the server log"
        : "The request could not be handled: " + status.getReasonPhrase();
  }
}
