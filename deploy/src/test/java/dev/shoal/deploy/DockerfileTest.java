package dev.shoal.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane's Dockerfile, checked statically (no Docker engine here), and its layer
 * extraction run for real on the built jar when there is one.
 */
class DockerfileTest {

  /** Instructions with their continuation lines joined, comments dropped. */
  static List<String> instructions() {
    List<String> result = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Deploy.read("docker/Dockerfile").split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        current.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      current.append(trimmed);
      if (!current.toString().isBlank()) {
        result.add(current.toString().replaceAll("\\s+", " "));
      }
      current.setLength(0);
    }
    return result;
  }

  /** The instructions of the last (runtime) stage. */
  static List<String> finalStage() {
    List<String> all = instructions();
    int lastFrom = 0;
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).startsWith("FROM ")) {
        lastFrom = i;
      }
    }
    return all.subList(lastFrom, all.size());
  }

  @Test
  void isMultiStageOnAJre17() {
    List<String> froms = instructions().stream().filter(i -> i.startsWith("FROM ")).toList();
    assertThat(froms).hasSize(2);
    assertThat(instructions()).contains("ARG JRE_IMAGE=eclipse-temurin:17-jre");
    assertThat(froms).allMatch(f -> f.startsWith("FROM ${JRE_IMAGE}"));
  }

  @Test
  void extractsTheLayersWithTheBootToolsJarMode() {
    assertThat(instructions())
        .anyMatch(
            i -> i.startsWith("RUN java -Djarmode=tools -jar app.jar extract --layers --launcher"));
    assertThat(finalStage())
        .containsSubsequence(
            "COPY --from=extract /build/extracted/dependencies/ ./",
            "COPY --from=extract /build/extracted/spring-boot-loader/ ./",
            "COPY --from=extract /build/extracted/snapshot-dependencies/ ./",
            "COPY --from=extract /build/extracted/application/ ./");
    assertThat(finalStage())
        .contains("ENTRYPOINT [\"java\", \"org.springframework.boot.loader.launch.JarLauncher\"]");
  }

  @Test
  void runsAsANonRootUserWithoutHealthcheckOn8080() {
    List<String> users = finalStage().stream().filter(i -> i.startsWith("USER ")).toList();
    assertThat(users).hasSize(1);
    String user = users.get(0).substring("USER ".length()).split(":")[0];
    assertThat(user).isNotIn("root", "0");
    // After every COPY/RUN: nothing runs as root after it.
    int userIndex = finalStage().indexOf(users.get(0));
    assertThat(finalStage().subList(userIndex, finalStage().size()))
        .noneMatch(i -> i.startsWith("RUN "));
    assertThat(instructions()).noneMatch(i -> i.startsWith("HEALTHCHECK"));
    assertThat(finalStage()).contains("EXPOSE 8080");
  }

  @Test
  void copiesTheJarTheControlPlaneBuildMakes() {
    String arg =
        instructions().stream()
            .filter(i -> i.startsWith("ARG JAR_FILE="))
            .findFirst()
            .orElseThrow();
    String jar = arg.substring("ARG JAR_FILE=".length());
    String version = System.getProperty("shoal.version", "0.1.0-SNAPSHOT");
    assertThat(jar).isEqualTo("control-plane/target/control-plane-" + version + "-exec.jar");
    // The build context (repository root) lets that jar through the Dockerfile's ignore file.
    String ignore = Deploy.read("docker/Dockerfile.dockerignore");
    assertThat(ignore).contains("\n*\n").contains("!control-plane/target/control-plane-*-exec.jar");
  }

  /**
   * Runs the RUN line's extraction on the real jar, if it was built (a reactor build with this
   * module after control-plane does); skipped, and reported as skipped, when there is no jar.
   */
  @Test
  void theExtractionProducesTheLayersTheDockerfileCopies(@TempDir Path work) throws Exception {
    String version = System.getProperty("shoal.version", "0.1.0-SNAPSHOT");
    Path jar =
        Deploy.dir().resolveSibling("control-plane/target/control-plane-" + version + "-exec.jar");
    assumeTrue(Files.isRegularFile(jar), "control-plane -exec jar not built: " + jar);
    Files.copy(jar, work.resolve("app.jar"));
    // Another build may be rewriting the jar right now (parallel builds): check only a complete
    // one.
    try (var zip = new java.util.zip.ZipFile(work.resolve("app.jar").toFile())) {
      assumeTrue(zip.getEntry("BOOT-INF/layers.idx") != null, "no layers.idx in " + jar);
    } catch (java.util.zip.ZipException e) {
      assumeTrue(false, "control-plane jar incomplete (being rebuilt?): " + e.getMessage());
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Deploy.Result result =
        Deploy.run(
            work,
            java,
            "-Djarmode=tools",
            "-jar",
            "app.jar",
            "extract",
            "--layers",
            "--launcher",
            "--destination",
            "extracted");
    assertThat(result.exitCode()).as(result.output()).isZero();
    for (String layer :
        List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application")) {
      assertThat(work.resolve("extracted").resolve(layer)).isDirectory();
    }
    assertThat(
            work.resolve(
                "extracted/spring-boot-loader/org/springframework/boot/loader/launch/JarLauncher.class"))
        .isRegularFile();
    assertThat(work.resolve("extracted/application/BOOT-INF/classes")).isDirectory();
  }
}
