package dev.shoal.controlplane.web;

import dev.shoal.controlplane.refusal.Refusal;
import dev.shoal.controlplane.refusal.Refusal.FieldProblem;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * Turns every exception Spring MVC sees into {@code application/problem+json}: the one place where
 * the services' {@link Refusal}s become HTTP statuses. A client error is logged at WARN with its
 * path and no stack trace; a server error is logged with its stack trace, and the client gets only
 * a reference to find it in the log.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);
  static final URI VALIDATION_TYPE = URI.create("urn:shoal:problem:validation");

  @Override
  protected ResponseEntity<Object> handleMethodArgumentNotValid(
      MethodArgumentNotValidException ex,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    List<FieldProblem> fields =
        ex.getBindingResult().getFieldErrors().stream()
            .map(e -> new FieldProblem(e.getField(), e.getDefaultMessage()))
            .toList();
    return handleExceptionInternal(ex, invalidFields(status, fields), headers, status, request);
  }

  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException ex,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    // The parser's own message names internal types; say what the client needs to know.
    String field = badField(ex);
    if (field == null) {
      ProblemDetail problem =
          ProblemDetail.forStatusAndDetail(status, "The request body is missing or not valid JSON");
      return handleExceptionInternal(ex, problem, headers, status, request);
    }
    ProblemDetail problem =
        invalidFields(status, List.of(new FieldProblem(field, "has a value of the wrong type")));
    return handleExceptionInternal(ex, problem, headers, status, request);
  }

  private static ProblemDetail invalidFields(HttpStatusCode status, List<FieldProblem> fields) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(status, "The request has invalid fields");
    problem.setType(VALIDATION_TYPE);
    problem.setTitle("Invalid request");
    problem.setProperty("errors", fields);
    return problem;
  }

  /** The JSON path of a well-formed body's value of the wrong type, e.g. an unknown role. */
  private static String badField(HttpMessageNotReadableException ex) {
    if (!(ex.getCause() instanceof MismatchedInputException mismatch)
        || mismatch.getPath().isEmpty()) {
      return null;
    }
    return mismatch.getPath().stream()
        .map(r -> r.getPropertyName() != null ? r.getPropertyName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."));
  }

  @ExceptionHandler(Refusal.class)
  ResponseEntity<Object> refused(Refusal refusal, WebRequest request) {
    HttpStatus status = statusOf(refusal.kind());
    ProblemDetail problem =
        refusal.fieldProblems().isEmpty()
            ? ProblemDetail.forStatusAndDetail(status, refusal.getMessage())
            : invalidFields(status, refusal.fieldProblems());
    HttpHeaders headers = new HttpHeaders();
    refusal
        .retryAfter()
        .ifPresent(wait -> headers.set(HttpHeaders.RETRY_AFTER, Long.toString(wait.toSeconds())));
    return handleExceptionInternal(refusal, problem, headers, status, request);
  }

  private static HttpStatus statusOf(Refusal.Kind kind) {
    return switch (kind) {
      case NOT_FOUND -> HttpStatus.NOT_FOUND;
      case CONFLICT -> HttpStatus.CONFLICT;
      case INVALID -> HttpStatus.BAD_REQUEST;
      case FORBIDDEN -> HttpStatus.FORBIDDEN;
      case UNAUTHENTICATED -> HttpStatus.UNAUTHORIZED;
      case TOO_LARGE -> HttpStatus.PAYLOAD_TOO_LARGE;
      case BUSY -> HttpStatus.SERVICE_UNAVAILABLE;
      case TOO_MANY_REQUESTS -> HttpStatus.TOO_MANY_REQUESTS;
    };
  }

  // Let Spring Security's filters answer these with 401/403.
  @ExceptionHandler({AccessDeniedException.class, AuthenticationException.class})
  void rethrowSecurity(RuntimeException ex) {
    throw ex;
  }

  /**
   * Tomcat decodes query parameters lazily, when the first one is read, and throws this for bad
   * percent-escapes or bytes that are not UTF-8 (an overlong "%C0%AF" for "/"): the client's fault.
   */
  @ExceptionHandler(InvalidParameterException.class)
  ResponseEntity<Object> undecodableParameter(InvalidParameterException ex, WebRequest request) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.BAD_REQUEST,
            "A query parameter is not valid percent-encoded UTF-8 (RFC 3986 and RFC 3629)");
    return handleExceptionInternal(ex, problem, new HttpHeaders(), HttpStatus.BAD_REQUEST, request);
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<Object> unexpected(Exception ex, WebRequest request) {
    if (DatabaseUnavailable.isCause(ex)) {
      log.error("Database unavailable on {}: {}", path(request), ex.toString());
      HttpHeaders headers = new HttpHeaders();
      headers.set(HttpHeaders.RETRY_AFTER, DatabaseUnavailable.RETRY_AFTER_SECONDS);
      return handleExceptionInternal(
          ex, DatabaseUnavailable.problem(), headers, HttpStatus.SERVICE_UNAVAILABLE, request);
    }
    String reference = UUID.randomUUID().toString();
    log.error("Unexpected error on {} (reference {})", path(request), reference, ex);
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.INTERNAL_SERVER_ERROR,
            "Internal error; the server log has the details under reference " + reference);
    return handleExceptionInternal(
        ex, problem, new HttpHeaders(), HttpStatus.INTERNAL_SERVER_ERROR, request);
  }

  @Override
  protected ResponseEntity<Object> handleExceptionInternal(
      Exception ex, Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    ProblemDetail problem = problemOf(ex, body, status);
    problem.setInstance(URI.create(path(request)));
    Problems.withType(problem);
    if (status.is4xxClientError()) {
      log.warn(
          "{} {} -> {}: {}", method(request), path(request), status.value(), problem.getDetail());
    }
    return super.handleExceptionInternal(ex, problem, headers, status, request);
  }

  private static ProblemDetail problemOf(Exception ex, Object body, HttpStatusCode status) {
    ProblemDetail problem = problemOrNull(ex, body);
    if (problem == null) {
      return ProblemDetail.forStatusAndDetail(status, "The request could not be handled");
    }
    // Spring puts "409 CONFLICT \"reason\"" in the detail; the client needs the reason alone.
    if (ex instanceof ResponseStatusException rse && rse.getReason() != null) {
      problem.setDetail(rse.getReason());
    }
    return problem;
  }

  private static ProblemDetail problemOrNull(Exception ex, Object body) {
    if (body instanceof ProblemDetail problem) {
      return problem;
    }
    if (ex instanceof ErrorResponse response) {
      return response.getBody();
    }
    return null;
  }

  private static String path(WebRequest request) {
    HttpServletRequest servlet =
        ((NativeWebRequest) request).getNativeRequest(HttpServletRequest.class);
    return servlet == null ? "" : servlet.getRequestURI();
  }

  private static String method(WebRequest request) {
    HttpServletRequest servlet =
        ((NativeWebRequest) request).getNativeRequest(HttpServletRequest.class);
    return servlet == null ? "" : servlet.getMethod();
  }
}
