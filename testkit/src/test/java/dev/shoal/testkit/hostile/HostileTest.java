package dev.shoal.testkit.hostile;

import static dev.shoal.testkit.hostile.HostileWorld.build;
import static dev.shoal.testkit.hostile.HostileWorld.patched;

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
 * {@code dir} is where it installs. How far each test's world goes before the attack is the
 * subclass's {@link Start}.
 */
abstract class HostileTest {
  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  /** Where the world stands when a test begins. */
  enum Start {
    /** v1 published, nothing installed. */
    V1_PUBLISHED,
    /** v1 installed in {@code dir}. */
    V1_INSTALLED,
    /** v1 installed, v2 (a patch of it) published. */
    V2_PUBLISHED
  }

  private final Start start;
  @TempDir Path temp;
  HostileWorld world;
  Release v1;
  Release v2;
  Path dir;

  HostileTest(Start start) {
    this.start = start;
  }

  @BeforeEach
  void prepareWorld() {
    world = HostileWorld.create(controlPlane, temp);
    v1 = world.publish("game", "stable", build(1), "1.0");
    world.enrolThroughProxy("game");
    dir = world.installDir("game");
    if (start != Start.V1_PUBLISHED) {
      world.installGenuine("game", "stable", dir, v1.files());
    }
    if (start == Start.V2_PUBLISHED) {
      v2 = world.publish("game", "stable", patched(v1.files(), 2), "1.1");
    }
  }

  /** Runs after the subclasses' own {@code @AfterEach}, even if one of them failed. */
  @AfterEach
  void closeWorld() {
    world.close();
  }
}
