package dev.shoal.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GameBuildsTest {

  @Test
  void aSeedAlwaysMakesTheSameBuildOfAboutTheAskedSize() {
    Map<String, byte[]> build = GameBuilds.build(3, 600_000);
    assertThat(build)
        .containsOnlyKeys("bin/game.exe", "data/levels.pak", "config/settings.ini", "readme.txt");
    assertThat(build.values().stream().mapToInt(b -> b.length).sum()).isBetween(599_000, 601_000);
    assertThat(GameBuilds.build(3, 600_000).get("bin/game.exe"))
        .isEqualTo(build.get("bin/game.exe"));
    assertThat(GameBuilds.build(4, 600_000).get("bin/game.exe"))
        .isNotEqualTo(build.get("bin/game.exe"));
  }

  @Test
  void aZipHoldsTheBuild() throws IOException {
    Map<String, byte[]> build = GameBuilds.build(1, 50_000);
    Map<String, byte[]> unpacked = new TreeMap<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(GameBuilds.zip(build)))) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        unpacked.put(e.getName(), zip.readAllBytes());
      }
    }
    assertThat(unpacked).containsExactlyInAnyOrderEntriesOf(build);
  }

  @Test
  void aBuildWrittenToDiskReadsBackTheSame(@TempDir Path dir) {
    Map<String, byte[]> build = GameBuilds.build(2, 50_000);
    assertThat(GameBuilds.files(GameBuilds.write(dir.resolve("game"), build)))
        .containsExactlyInAnyOrderEntriesOf(build);
    assertThat(GameBuilds.siblings(dir.resolve("game"))).containsExactly("game");
  }
}
