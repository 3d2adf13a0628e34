package dev.shoal.controlplane.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.controlplane.refusal.Refusal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The seeds of {@link ArchiveExtractorFuzzTest} whose outcome the fuzz target cannot see: good
 * archives unpack to exactly their files, and small gzips that would make us inflate and buffer
 * megabytes of tar headers (PAX records, GNU long names) are refused, however high the size limit.
 */
class ArchiveExtractorTest {
  private static final Path SEEDS =
      Path.of("src/test/resources/dev/shoal/controlplane/upload/ArchiveExtractorFuzzTestInputs")
          .resolve("arbitraryBytes");

  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"valid.tar", "valid.tar.gz", "valid.zip"})
  void goodArchivesUnpack(String seed) throws IOException {
    Path target = tmp.resolve("out");
    ArchiveExtractor.extract(SEEDS.resolve(seed), target, Set.of(), 1 << 20);
    try (Stream<Path> all = Files.walk(target)) {
      List<String> files =
          all.filter(Files::isRegularFile)
              .map(p -> target.relativize(p).toString())
              .sorted()
              .toList();
      assertThat(files).containsExactly("bin/game.exe", "data/a.pak");
    }
    assertThat(Files.readString(target.resolve("bin/game.exe"))).isEqualTo("MZ fake game");
    assertThat(Files.size(target.resolve("data/a.pak"))).isEqualTo(3000);
  }

  @ParameterizedTest
  @ValueSource(strings = {"pax-bomb.tar.gz", "longname-bomb.tar.gz"})
  void headersAndSkippedDataAreMetered(String seed) {
    Path target = tmp.resolve("out");
    assertThatThrownBy(
            () -> ArchiveExtractor.extract(SEEDS.resolve(seed), target, Set.of(), 1L << 40))
        .isInstanceOfSatisfying(
            Refusal.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Refusal.Kind.INVALID); // a 400
              assertThat(e.getMessage()).contains("tar headers, padding or skipped data");
            });
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "file-then-dir.tar",
        "dir-then-file.tar",
        "through-existing.tar",
        "over-existing-dir.tar",
        "existing-dup.tar"
      })
  void filesAndDirectoriesMayNotClash(String seed) {
    Path target = tmp.resolve("out");
    assertThatThrownBy(
            () ->
                ArchiveExtractor.extract(
                    SEEDS.resolve(seed),
                    target,
                    Set.of("existing.txt", "dir/existing.bin"),
                    1 << 20))
        .isInstanceOfSatisfying(
            Refusal.class, e -> assertThat(e.kind()).isEqualTo(Refusal.Kind.INVALID)); // a 400
  }
}
