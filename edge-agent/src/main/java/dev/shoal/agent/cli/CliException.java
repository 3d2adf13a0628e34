package dev.shoal.agent.cli;

/** A failure with a meaningful exit code and a message for the player. */
final class CliException extends RuntimeException {
  static final int OTHER = 1;
  static final int NOT_RUNNING = 3;
  static final int REFUSED = 4;

  final int exitCode;

  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }
}
