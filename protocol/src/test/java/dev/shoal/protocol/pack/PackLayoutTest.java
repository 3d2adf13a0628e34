package dev.shoal.protocol.pack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.Fixtures;
import dev.shoal.protocol.Fixtures.ChunkSpec;
import dev.shoal.protocol.Fixtures.FileSpec;
import dev.shoal.protocol.manifest.ReleaseManifest;
import java.util.List;
import org.junit.jupiter.api.Test;

class PackLayoutTest {
  static final String KEY_ID = "0".repeat(32);

  static ReleaseManifest release(long version, List<FileSpec> files) {
    return Fixtures.release("p", "live", version, "v", files, List.of(), KEY_ID);
  }

  static ChunkSpec c(String label) {
    return new ChunkSpec(label, 100 + label.length());
  }

  @Test
  void fullOrdersByFirstAppearanceWalkingFilesInPathOrder() {
    ReleaseManifest m =
        release(
            1,
            List.of(
                new FileSpec("z.bin", 0644, List.of(c("z1"), c("shared"))),
                new FileSpec("a.bin", 0644, List.of(c("a1"), c("shared"), c("a1")))));
    PackLayout full = PackLayout.full(m);
    assertThat(full.chunkIds())
        .containsExactly(
            Fixtures.sha256Hex("a1"), Fixtures.sha256Hex("shared"), Fixtures.sha256Hex("z1"));
    assertThat(full.slots().get(1).offset()).isEqualTo(full.slots().get(0).encryptedSize());
    assertThat(full.totalSize()).isEqualTo((102 + 16) + (106 + 16) + (102 + 16));
  }

  @Test
  void deltaHoldsOnlyChunksTheOldReleaseLacks() {
    ReleaseManifest v1 = release(1, List.of(new FileSpec("a", 0644, List.of(c("x"), c("y")))));
    ReleaseManifest v2 =
        release(
            2,
            List.of(
                new FileSpec("a", 0644, List.of(c("x"), c("y2"))),
                new FileSpec("b", 0644, List.of(c("y"), c("new")))));
    assertThat(PackLayout.delta(v1, v2).chunkIds())
        .containsExactly(Fixtures.sha256Hex("y2"), Fixtures.sha256Hex("new"));
    assertThat(PackLayout.delta(v2, v2).slots()).isEmpty();
    assertThat(PackLayout.delta(v2, v2).totalSize()).isZero();
  }

  @Test
  void pieceLengthIsAPowerOfTwoBetween256KiBAnd4MiB() {
    assertThat(PackLayout.pieceLengthFor(0)).isEqualTo(256 << 10);
    assertThat(PackLayout.pieceLengthFor(2000L * (256 << 10))).isEqualTo(256 << 10);
    assertThat(PackLayout.pieceLengthFor(2000L * (256 << 10) + 1)).isEqualTo(512 << 10);
    assertThat(PackLayout.pieceLengthFor(3L << 30)).isEqualTo(2 << 20);
    assertThat(PackLayout.pieceLengthFor(100L << 30)).isEqualTo(4 << 20);
    for (long size = 1; size < (1L << 40); size = size * 3 + 7) {
      int length = PackLayout.pieceLengthFor(size);
      assertThat(Integer.bitCount(length)).isEqualTo(1);
      assertThat(length).isBetween(256 << 10, 4 << 20);
      if (length < (4 << 20)) {
        assertThat((size + length - 1) / length).isLessThanOrEqualTo(2000);
      }
    }
  }
}
