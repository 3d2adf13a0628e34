package dev.shoal.swarm;

/**
 * What the swarm tests share beyond test-support: the Python of the interop tests and a loopback
 * engine configuration (swarm-cli's tests use it too, through swarm's test jar).
 */
public final class Fixtures {
  static final String PYTHON = "/usr/bin/python3";

  private Fixtures() {}

  /** An engine on 127.0.0.1 with the default settings, to adjust and build. */
  public static SwarmConfig.Builder loopback() {
    return SwarmConfig.builder().bindAddress("127.0.0.1");
  }
}
