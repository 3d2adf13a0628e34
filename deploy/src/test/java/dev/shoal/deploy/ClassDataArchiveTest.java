package dev.shoal.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/agent/class-data.sh, run for real in the app image's layout (lib/app with the agent's
 * jars, lib/runtime = this JDK): it makes the class-data archive, keeps a usable one, and replaces
 * one that the JVM would refuse (made for other jars, or not an archive at all).
 */
class ClassDataArchiveTest {
  private static final String MAIN = "dev.shoal.agent.cli.ShoalAgent";

  @TempDir Path image;
  private Path app;
  private Path script;
  private Path archive;

  @BeforeEach
  void layOutAnImage() throws IOException {
    app = Files.createDirectories(image.resolve("lib/app/lib"));
    app = app.getParent();
    Files.createSymbolicLink(
        image.resolve("lib/runtime"), Path.of(System.getProperty("java.home")));
    for (Path jar : agentJars()) {
      Files.copy(jar, app.resolve("lib").resolve(jar.getFileName()));
    }
    script = app.resolve("class-data.sh");
    Files.copy(Deploy.file("agent/class-data.sh"), script);
    script.toFile().setExecutable(true);
    // The class list build-runtime.sh makes from a training run; here from a shorter one.
    Deploy.Result listed =
        Deploy.run(
            image,
            java(),
            "-Xshare:off",
            "-XX:DumpLoadedClassList=" + app.resolve("shoal-agent.classlist"),
            "-cp",
            app + "/*:" + app + "/lib/*",
            MAIN,
            "--version");
    assertThat(listed.exitCode()).as(listed.output()).isZero();
    archive = image.resolve("data/class-data.jsa");
  }

  @Test
  void makesTheArchiveOnceKeepsItAndMakesItAgainAfterAnUpdate() throws IOException {
    Deploy.Result first = Deploy.run(image, script.toString(), archive.toString());
    assertThat(first.exitCode()).as(first.output()).isZero();
    assertThat(first.output()).contains("created " + archive);
    assertThat(archive).isNotEmptyFile();
    FileTime made = Files.getLastModifiedTime(archive);

    Deploy.Result second = Deploy.run(image, script.toString(), archive.toString());
    assertThat(second.exitCode()).isZero();
    assertThat(second.output()).isBlank();
    assertThat(Files.getLastModifiedTime(archive)).isEqualTo(made);

    // -Xshare:on: the JVM fails rather than run without the archive.
    Deploy.Result agent =
        Deploy.run(
            image,
            java(),
            "-Xmx32m",
            "-XX:+UseSerialGC",
            "-Xshare:on",
            "-XX:SharedArchiveFile=" + archive,
            "-cp",
            app + "/*:" + app + "/lib/*",
            MAIN,
            "--version");
    assertThat(agent.exitCode()).as(agent.output()).isZero();
    assertThat(agent.output()).contains("shoal-agent");

    // An update of the image: a jar changes, JDK 17 would refuse the archive, so it is made anew.
    Path jar = app.resolve("lib").resolve(agentJars().get(0).getFileName());
    Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    Deploy.Result afterUpdate = Deploy.run(image, script.toString(), archive.toString());
    assertThat(afterUpdate.exitCode()).as(afterUpdate.output()).isZero();
    assertThat(afterUpdate.output()).contains("created " + archive);
  }

  @Test
  void replacesSomethingThatIsNotAnArchive() throws IOException {
    Files.createDirectories(archive.getParent());
    Files.writeString(archive, "not a class-data archive");

    Deploy.Result result = Deploy.run(image, script.toString(), archive.toString());
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("created " + archive);
    assertThat(Files.size(archive)).isGreaterThan(1 << 20);
  }

  @Test
  void failsCleanlyWithoutItsClassListAndLeavesNoHalfWrittenFile() throws IOException {
    Files.delete(app.resolve("shoal-agent.classlist"));

    Deploy.Result result = Deploy.run(image, script.toString(), archive.toString());
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.output()).contains("could not create " + archive);
    try (var left = Files.list(archive.getParent())) {
      assertThat(left).isEmpty();
    }
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The agent's jar and its runtime dependencies, as Maven put them on this test's class path. */
  private static List<Path> agentJars() {
    List<String> wanted = List.of("edge-agent", "protocol", "swarm", "picocli", "jackson", "jna");
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(Path::of)
        .filter(p -> p.getFileName().toString().endsWith(".jar"))
        .filter(p -> wanted.stream().anyMatch(w -> p.getFileName().toString().startsWith(w)))
        .toList();
  }
}
