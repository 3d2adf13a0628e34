package dev.shoal.controlplane.web;

import java.sql.SQLTransientConnectionException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * PostgreSQL cannot be reached (down, restarting, failing over): a temporary condition, answered
 * with 503 and {@code Retry-After} rather than an opaque 500, whether it surfaced in a controller
 * or in a filter (API keys and device signatures are checked against the database too).
 */
final class DatabaseUnavailable {

  static final String RETRY_AFTER_SECONDS = "5";
  static final String DETAIL = "The database is unavailable; try again in a few seconds";

  private DatabaseUnavailable() {}

  /** Whether {@code e} or one of its causes says no database connection could be had. */
  static boolean isCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof DataAccessResourceFailureException
          || t instanceof CannotCreateTransactionException
          || t instanceof SQLTransientConnectionException) {
        return true;
      }
    }
    return false;
  }

  static ProblemDetail problem() {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, DETAIL);
    problem.setTitle("Service Unavailable");
    return problem;
  }
}
