package dev.shoal.controlplane.refusal;

import java.util.List;

/**
 * A request the control plane refuses, said in the domain's words: services throw these and know
 * nothing of HTTP; the web layer maps each kind to its status and an RFC 9457 problem, in one
 * place. The message is the problem's detail, shown to the client as it is.
 */
public abstract sealed class Refusal extends RuntimeException {

  private Refusal(String message) {
    super(message);
  }

  /** Nothing of that name or id that the caller may see (another organisation's things too). */
  public static final class NotFound extends Refusal {
    public NotFound(String message) {
      super(message);
    }
  }

  /** The request clashes with the current state: a name taken, an upload already completed. */
  public static final class Conflict extends Refusal {
    public Conflict(String message) {
      super(message);
    }
  }

  /** The request itself is wrong, whatever the state; optionally field by field. */
  public static final class Invalid extends Refusal {
    private final List<FieldProblem> fields;

    public Invalid(String message) {
      super(message);
      this.fields = List.of();
    }

    private Invalid(List<FieldProblem> fields) {
      super("The request has invalid fields");
      this.fields = List.copyOf(fields);
    }

    /** A validation problem listing each bad field, like Bean Validation's. */
    public static Invalid fields(List<FieldProblem> fields) {
      return new Invalid(fields);
    }

    public static Invalid field(String field, String message) {
      return fields(List.of(new FieldProblem(field, message)));
    }

    /** Empty for a refusal that names no field. */
    public List<FieldProblem> fieldProblems() {
      return fields;
    }
  }

  /** One field and what is wrong with it, e.g. ("at", "must be an ISO-8601 instant"). */
  public record FieldProblem(String field, String message) {}

  /** The caller is known but may not do this. */
  public static final class Forbidden extends Refusal {
    public Forbidden(String message) {
      super(message);
    }
  }

  /** The caller could not be told apart from a stranger: an unknown passkey or device key. */
  public static final class Unauthenticated extends Refusal {
    public Unauthenticated(String message) {
      super(message);
    }
  }

  /** More bytes than the configured limit. */
  public static final class TooLarge extends Refusal {
    public TooLarge(String message) {
      super(message);
    }
  }

  /** A temporary shortage (a full queue): the same request may succeed later. */
  public static final class Busy extends Refusal {
    public Busy(String message) {
      super(message);
    }
  }
}
