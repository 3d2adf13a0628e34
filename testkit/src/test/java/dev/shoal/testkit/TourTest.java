package dev.shoal.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/tour.sh: the README's start command, headless bootstrap, API route (tour step 4) and two
 * players (step 6), run as printed against the exec jar; the README is the test's input, so a step
 * that no longer works fails here. The script runs as root in namespaces of its own (loopback only,
 * private /tmp, the repository under an overlay): it skips (exit 77) elsewhere, except under {@code
 * CI=true}, where a tour that cannot run is a failure, as for the lab.
 */
@Tag("lab") // about 5 minutes on 2 loaded cores: a Maven install, the agent image, two installs
class TourTest {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final int SKIPPED = 77;

  @TempDir Path work;

  @Test
  void theReadmeTourRunsAsPrinted() throws Exception {
    Run run = tour(REPO.resolve("README.md"), Map.of(), Duration.ofMinutes(25));

    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(run.output())
        .contains(
            "both players installed the build byte for byte; player 2 got bytes from player 1")
        .contains("TOUR PASSED");
  }

  /** The script really compares README and product: one wrong path in step 4 fails it. */
  @Test
  void aReadmeWithAWrongApiPathFailsTheTour() throws Exception {
    String readme = Files.readString(REPO.resolve("README.md"));
    String step = "$API/products/demo/uploads";
    assertThat(readme).contains(step);
    Path drifted = work.resolve("README.md");
    Files.writeString(drifted, readme.replace(step, "$API/products/demo/upload"));

    // It fails in step 4, before the agent image that needs a fresh install: with the exec jar
    // built, the tour's `mvn install` can be skipped.
    Map<String, String> env = execJarBuilt() ? Map.of("SHOAL_TOUR_SKIP_INSTALL", "1") : Map.of();
    Run run = tour(drifted, env, Duration.ofMinutes(10));

    assertThat(run.exitCode()).as(run.output()).isEqualTo(1);
    assertThat(run.output())
        .contains("TOUR FAILED: step 4 failed at:")
        .contains("$API/products/demo/upload |")
        .doesNotContain("TOUR PASSED");
  }

  private Run tour(Path readme, Map<String, String> env, Duration timeout) throws Exception {
    Path output = work.resolve("tour.out");
    ProcessBuilder builder =
        new ProcessBuilder(List.of("bash", "scripts/tour.sh", readme.toString()))
            .directory(REPO.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
    builder.environment().putAll(env);
    builder.environment().put("TOUR_DIR", work.resolve("run").toString());
    // The Maven repository of this build, for the tour's `mvn install` and build-runtime.sh.
    String mavenRepo = System.getProperty("shoal.maven.repo", "");
    if (!mavenRepo.isBlank()) {
      builder
          .environment()
          .merge("MAVEN_OPTS", "-Dmaven.repo.local=" + mavenRepo, (a, b) -> a + " " + b);
    }
    Process process = builder.start();
    try {
      if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        throw new AssertionError(
            "the tour took over " + timeout + ":\n" + tail(Files.readString(output)));
      }
    } finally {
      // The script's namespace ends with its unshare (--kill-child): killing the tree ends all.
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor();
    }
    String text = Files.readString(output);
    if (process.exitValue() == SKIPPED) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException("CI must run the tour, but: " + text.strip());
      }
      Assumptions.abort(text.strip());
    }
    return new Run(process.exitValue(), tail(text));
  }

  private static boolean execJarBuilt() throws IOException {
    Path target = REPO.resolve("control-plane/target");
    if (!Files.isDirectory(target)) {
      return false;
    }
    try (var files = Files.list(target)) {
      return files.anyMatch(f -> f.getFileName().toString().endsWith("-exec.jar"));
    }
  }

  private static String tail(String text) {
    return text.length() <= 20_000 ? text : "..." + text.substring(text.length() - 20_000);
  }

  private record Run(int exitCode, String output) {}
}
