package dev.shoal.agent.install;

/**
 * Test hook: when the environment variable {@code SHOAL_CRASH_AT=n} is set, the n-th step boundary
 * reached by the installer in this process halts the JVM at once (exit 137, no shutdown hooks, no
 * buffered writes flushed), like a {@code kill -9}. Without the variable it does nothing.
 */
final class CrashPoints {
  private static final long TARGET = parse(System.getenv("SHOAL_CRASH_AT"));
  private static long reached;

  private CrashPoints() {}

  private static long parse(String v) {
    if (v == null || v.isBlank()) {
      return -1;
    }
    return Long.parseLong(v.trim());
  }

  /** Marks one step boundary. */
  static synchronized void step() {
    if (TARGET < 0) {
      return;
    }
    reached++;
    if (reached == TARGET) {
      Runtime.getRuntime().halt(137);
    }
  }

  static synchronized long reached() {
    return reached;
  }
}
