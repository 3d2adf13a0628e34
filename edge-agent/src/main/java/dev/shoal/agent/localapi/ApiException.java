package dev.shoal.agent.localapi;

/** Thrown by handlers; becomes an RFC 9457 problem response. */
final class ApiException extends RuntimeException {
  final ProblemCode code;

  ApiException(ProblemCode code, String detail) {
    super(detail);
    this.code = code;
  }
}
