package dev.shoal.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.shoal.testkit.AgentFixture;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testsupport.Publisher;
import java.nio.file.Path;
import java.time.Duration;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the install tests start from: a real control plane per test class and, per test, a studio
 * (its own organisation) with product {@code game} and channel {@code live}, and a real agent with
 * an SDK client connected to it.
 */
abstract class StudioAndAgentTest {
  static final Duration TIMEOUT = Duration.ofMinutes(2);

  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  @TempDir Path temp;
  Publisher studio;
  AgentFixture agent;
  ShoalClient shoal;

  @BeforeEach
  void startStudioAndAgent() {
    studio = controlPlane.newPublisher("sdk-studio").product("game", "live");
    agent = AgentFixture.start(temp.resolve("agent"));
    shoal = ShoalClient.connect(agent.dataDir());
  }

  @AfterEach
  void stopAgent() {
    shoal.close();
    agent.close();
  }

  /**
   * {@code call} fails with a {@link ShoalException} of {@code code}, retryable or not as said;
   * returns it for further checks.
   */
  static ShoalException assertFails(ErrorCode code, boolean retryable, ThrowingCallable call) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).isInstanceOf(ShoalException.class);
    ShoalException e = (ShoalException) thrown;
    assertThat(e.code()).as(e.toString()).isEqualTo(code);
    assertThat(e.retryable()).as(e.toString()).isEqualTo(retryable);
    return e;
  }
}
