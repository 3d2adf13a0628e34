package dev.shoal.controlplane.refusal;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A request the control plane refuses, said in the domain's words: services throw it and know
 * nothing of HTTP; the web layer maps each {@link Kind} to its status and an RFC 9457 problem, in
 * one place. The message is the problem's detail, shown to the client as it is.
 */
public final class Refusal extends RuntimeException {

  /** Why a request is refused. */
  public enum Kind {
    /** Nothing of that name or id that the caller may see (another organisation's things too). */
    NOT_FOUND,
    /** The request clashes with the current state: a name taken, an upload already completed. */
    CONFLICT,
    /** The request itself is wrong, whatever the state; optionally field by field. */
    INVALID,
    /** The caller is known but may not do this. */
    FORBIDDEN,
    /** The caller could not be told apart from a stranger: an unknown passkey or device key. */
    UNAUTHENTICATED,
    /** More bytes than the configured limit. */
    TOO_LARGE,
    /** A temporary shortage (a full queue): the same request may succeed later. */
    BUSY,
    /** The caller used up its budget of such requests: the same request succeeds after a wait. */
    TOO_MANY_REQUESTS
  }

  /** One field and what is wrong with it, e.g. ("at", "must be an ISO-8601 instant"). */
  public record FieldProblem(String field, String message) {}

  private final Kind kind;
  private final List<FieldProblem> fields;
  private final Duration retryAfter;

  public Refusal(Kind kind, String message) {
    this(kind, message, List.of(), null);
  }

  private Refusal(Kind kind, String message, List<FieldProblem> fields, Duration retryAfter) {
    super(message);
    this.kind = kind;
    this.fields = List.copyOf(fields);
    this.retryAfter = retryAfter;
  }

  /** A {@link Kind#TOO_MANY_REQUESTS} refusal, and when to try again. */
  public static Refusal tooManyRequests(String message, Duration retryAfter) {
    return new Refusal(Kind.TOO_MANY_REQUESTS, message, List.of(), retryAfter);
  }

  /** How long the caller should wait before trying again, when the refusal says. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** An {@link Kind#INVALID} request listing each bad field, like Bean Validation's. */
  public static Refusal invalidFields(List<FieldProblem> fields) {
    return new Refusal(Kind.INVALID, "The request has invalid fields", fields, null);
  }

  public static Refusal invalidField(String field, String message) {
    return invalidFields(List.of(new FieldProblem(field, message)));
  }

  public Kind kind() {
    return kind;
  }

  /** Empty for a refusal that names no field. */
  public List<FieldProblem> fieldProblems() {
    return fields;
  }
}
