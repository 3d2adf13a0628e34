package dev.shoal.deploy;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.Yaml;

/** Where the deploy files are, and how to run the external checkers on them. */
final class Deploy {

  private Deploy() {}

  /** The deploy/ directory (Surefire passes it; the fallback is the working directory). */
  static Path dir() {
    String configured = System.getProperty("shoal.deployDir");
    Path dir = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath();
    if (!Files.isRegularFile(dir.resolve("pom.xml"))
        || !Files.isDirectory(dir.resolve("helm/shoal"))) {
      fail("not the deploy directory: " + dir);
    }
    return dir;
  }

  static Path file(String relative) {
    Path path = dir().resolve(relative);
    if (!Files.isRegularFile(path)) {
      fail("missing file " + path);
    }
    return path;
  }

  static String read(String relative) {
    try {
      return Files.readString(file(relative), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> yaml(String relative) {
    return (Map<String, Object>) new Yaml().load(read(relative));
  }

  /**
   * The absolute path of a checker program. A missing one fails the test (never skips it): CI
   * installs them with scripts/install-test-deps.sh, and a skipped check would pass silently.
   */
  static String tool(String name, String debianPackage) {
    for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (entry.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(entry, name);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    for (String entry : List.of("/usr/bin", "/usr/local/bin", "/bin")) {
      Path candidate = Path.of(entry, name);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return fail(
        name
            + " is not installed; it checks the deploy files. Install the Debian package "
            + debianPackage
            + " (scripts/install-test-deps.sh does).");
  }

  record Result(int exitCode, String output) {}

  /** Runs a command in {@code workDir} (stdout and stderr merged), at most 60 seconds. */
  static Result run(Path workDir, Map<String, String> env, String... command) {
    ProcessBuilder builder =
        new ProcessBuilder(new ArrayList<>(List.of(command)))
            .directory(workDir.toFile())
            .redirectErrorStream(true);
    builder.environment().putAll(env);
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      byte[] output;
      try (InputStream in = process.getInputStream()) {
        output = in.readAllBytes();
      }
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return fail("timed out: " + String.join(" ", command));
      }
      return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static Result run(Path workDir, String... command) {
    return run(workDir, Map.of(), command);
  }
}
