package dev.shoal.protocol.patch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.protocol.ProtocolException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChunkPatchTest {
  @Test
  void anEditedChunkCostsAboutTheEdit() {
    Random r = new Random(5);
    byte[] old = new byte[1 << 20];
    r.nextBytes(old);
    byte[] edited = old.clone();
    byte[] edit = new byte[8 << 10];
    r.nextBytes(edit);
    System.arraycopy(edit, 0, edited, 300_000, edit.length);
    byte[] patch =
        ChunkPatch.create(old, old.length, edited, 0, edited.length, ChunkPatch.DEFAULT_LEVEL);
    assertThat(patch.length).isBetween(edit.length, edit.length + 1024);
    assertThat(ChunkPatch.apply(old, old.length, patch, edited.length)).isEqualTo(edited);
  }

  @Test
  void theResemblanceTestTellsEditedFromRewrittenChunks() {
    Random r = new Random(8);
    byte[] old = new byte[3 << 20];
    r.nextBytes(old);
    byte[] edited = Arrays.copyOfRange(old, 1 << 20, 2 << 20);
    byte[] edit = new byte[900 << 10];
    r.nextBytes(edit);
    System.arraycopy(edit, 0, edited, 10_000, edit.length); // 86 % rewritten, 14 % kept
    assertThat(ChunkPatch.worthTrying(old, old.length, edited)).isTrue();
    byte[] rewritten = new byte[1 << 20];
    r.nextBytes(rewritten);
    assertThat(ChunkPatch.worthTrying(old, old.length, rewritten)).isFalse();
    assertThat(ChunkPatch.worthTrying(old, old.length, new byte[1000])).isTrue(); // too small
  }

  @Test
  void aDictionaryStartingWithZstdsDictionaryMagicIsStillRawContent() {
    byte[] old = new byte[64 << 10];
    new Random(6).nextBytes(old);
    old[0] = 0x37;
    old[1] = (byte) 0xa4;
    old[2] = 0x30;
    old[3] = (byte) 0xec;
    byte[] patch = ChunkPatch.create(old, old.length, old, 0, old.length, 3);
    assertThat(patch.length).isLessThan(200);
    assertThat(ChunkPatch.apply(old, old.length, patch, old.length)).isEqualTo(old);
  }

  @Test
  void aDamagedPatchOrAWrongSizeIsRefused() {
    byte[] old = new byte[4096];
    new Random(7).nextBytes(old);
    byte[] patch = ChunkPatch.create(old, old.length, old, 0, old.length, 3);
    assertThatThrownBy(() -> ChunkPatch.apply(old, old.length, patch, old.length + 1))
        .isInstanceOf(ProtocolException.class);
    byte[] broken = Arrays.copyOf(patch, patch.length - 3);
    assertThatThrownBy(() -> ChunkPatch.apply(old, old.length, broken, old.length))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void basesFollowTheAnchorsAcrossAnInsertion() {
    // old: A B C D E; new: A B X C2 D E, X inserted and C edited into C2.
    List<String> oldIds = List.of("A", "B", "C", "D", "E");
    long[] oldSizes = {100_000, 100_000, 100_000, 100_000, 100_000};
    List<String> newIds = List.of("A", "B", "X", "C2", "D", "E");
    long[] newSizes = {100_000, 100_000, 50_000, 100_000, 100_000, 100_000};
    int[][] bases = PatchBases.of(oldIds, oldSizes, newIds, newSizes);
    assertThat(bases[0]).isNull();
    assertThat(bases[1]).isNull();
    assertThat(bases[2]).containsExactly(2, 3); // the old bytes between B and D: C
    assertThat(bases[3]).containsExactly(2, 3);
    assertThat(bases[4]).isNull();
    // A new file (no old chunks): nothing to patch against.
    assertThat(Arrays.asList(PatchBases.of(List.of(), new long[0], newIds, newSizes)))
        .containsOnlyNulls();
  }
}
