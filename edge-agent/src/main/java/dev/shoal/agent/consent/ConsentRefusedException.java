package dev.shoal.agent.consent;

/**
 * A grant the agent will not record, e.g. for a text it does not ship or that has since changed.
 */
public final class ConsentRefusedException extends RuntimeException {
  public ConsentRefusedException(String message) {
    super(message);
  }
}
