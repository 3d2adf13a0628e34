package dev.shoal.agent.localapi;

/** RFC 9457 problem details plus Shoal's {@code code} and {@code retryable}. */
record Problem(
    String type, String title, int status, String detail, String code, boolean retryable) {

  static Problem of(ProblemCode code, String detail) {
    return new Problem(code.type(), code.title, code.status, detail, code.name(), code.retryable);
  }
}
