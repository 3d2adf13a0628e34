package dev.shoal.agent;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Tests that each start a real agent ({@link RunningAgent}) on a fresh data directory. */
public abstract class RunningAgentTest {
  @TempDir protected Path tmp;

  /** The running agent; a test may close it and start another on the same data directory. */
  protected RunningAgent a;

  @BeforeEach
  protected void startAgent() throws IOException {
    a = new RunningAgent(tmp.resolve("data"));
  }

  @AfterEach
  protected void stopAgent() {
    a.close();
  }
}
