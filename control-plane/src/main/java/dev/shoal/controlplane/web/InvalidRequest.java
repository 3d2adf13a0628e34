package dev.shoal.controlplane.web;

import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A 400 validation problem for checks made by hand (a body parsed field by field, query
 * parameters): the same shape as Bean Validation's, {@code errors: [{field, message}]}.
 */
public final class InvalidRequest {

  private InvalidRequest() {}

  /** One field and what is wrong with it, e.g. ("at", "must be an ISO-8601 instant"). */
  public record FieldProblem(String field, String message) {}

  public static ErrorResponseException of(List<FieldProblem> problems) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "The request has invalid fields");
    problem.setType(ApiExceptionHandler.VALIDATION_TYPE);
    problem.setTitle("Invalid request");
    problem.setProperty("errors", List.copyOf(problems));
    return new ErrorResponseException(HttpStatus.BAD_REQUEST, problem, null);
  }

  public static ErrorResponseException of(String field, String message) {
    return of(List.of(new FieldProblem(field, message)));
  }
}
