package dev.shoal.testkit.hostile;

import static dev.shoal.testkit.hostile.HostileWorld.build;

import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.Publisher.Release;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What most hostile tests start from: a real control plane per test class and, per test, a fresh
 * {@link HostileWorld} with v1 of {@code game} published and the agent enrolled through the proxy;
 * {@code dir} is where it installs. Subclasses add their own steps in their own {@code @BeforeEach}
 * (which runs after this one).
 */
abstract class HostileTest {
  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  @TempDir Path temp;
  HostileWorld world;
  Release v1;
  Path dir;

  @BeforeEach
  void publishV1AndEnrol() {
    world = HostileWorld.create(controlPlane, temp);
    v1 = world.publish("game", "stable", build(1), "1.0");
    world.enrolThroughProxy("game");
    dir = world.installDir("game");
  }

  /** Runs after the subclasses' own {@code @AfterEach}, even if one of them failed. */
  @AfterEach
  void closeWorld() {
    world.close();
  }
}
