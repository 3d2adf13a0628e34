package dev.shoal.swarm;

/**
 * What the swarm tests share beyond test-support: the Python of the interop tests and a loopback
 * engine configuration.
 */
final class Fixtures {
  static final String PYTHON = "/usr/bin/python3";

  private Fixtures() {}

  static SwarmConfig loopback() {
    return SwarmConfig.defaults().withBindAddress("127.0.0.1");
  }
}
