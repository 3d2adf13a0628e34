package dev.shoal.agent.localapi;

import java.util.Locale;

/** Machine-readable error codes of the local API ({@code code} field of problem+json). */
enum ProblemCode {
  BAD_REQUEST(400, "Bad request", false),
  UNAUTHORIZED(401, "Unauthorized", false),
  FORBIDDEN_ORIGIN(403, "Forbidden origin", false),
  NOT_FOUND(404, "Not found", false),
  METHOD_NOT_ALLOWED(405, "Method not allowed", false),
  CONFLICT(409, "Conflict", false),
  PAYLOAD_TOO_LARGE(413, "Payload too large", false),
  UNSUPPORTED_MEDIA_TYPE(415, "Unsupported media type", false),
  TOO_MANY_SUBSCRIBERS(503, "Too many event subscribers", true),
  DISK_FULL(507, "Disk full", true),
  PATH_TOO_LONG(400, "Path too long", false),
  SIGNATURE(502, "Signature check failed", false),
  NETWORK(503, "Network problem", true),
  ENTITLEMENT(403, "Not entitled", false),
  NOT_ENROLLED(409, "Not enrolled", false),
  NO_RELEASE(404, "No release", true),
  INTEGRITY(502, "Integrity check failed", false),
  UNSAFE_PATH(400, "Unsafe path", false),
  DIRECTORY_NOT_EMPTY(409, "Directory not empty", false),
  CANCELLED(409, "Cancelled", false),
  IO(500, "I/O error", true),
  INTERNAL(500, "Internal error", true);

  final int status;
  final String title;
  final boolean retryable;

  ProblemCode(int status, String title, boolean retryable) {
    this.status = status;
    this.title = title;
    this.retryable = retryable;
  }

  /** A URN rather than a web address: the agent works offline and hosts no error pages. */
  String type() {
    return "urn:shoal:problem:" + name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
