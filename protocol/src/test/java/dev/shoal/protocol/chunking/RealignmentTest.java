package dev.shoal.protocol.chunking;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Chunk boundaries realign after an edit: on incompressible data, over 1,000 random edits of each
 * kind at random offsets, an edit makes on average at most the chunks it touches plus one new
 * chunk, and 99% of edits at most the touched ones plus two.
 *
 * <p>Each edit is chunked only from the last unchanged boundary before it until a boundary of the
 * edited data coincides with one of the original (shifted by the edit's size change): the chunker
 * decides a cut from the bytes since the chunk's start only, so from there on both chunkings are
 * the same. Counting stops at a window of 12 maximum-size chunks, counting what it saw as new.
 */
@Tag("slow")
class RealignmentTest {
  private static final int EDITS = 1000;
  private static final int MAX_EDIT = 96 << 10;
  private static final int WINDOW_CHUNKS = 12;

  private enum Kind {
    OVERWRITE,
    INSERT,
    DELETE
  }

  @Test
  void overwritesRealign() {
    assertRealigns(Kind.OVERWRITE, 1);
  }

  @Test
  void insertionsRealign() {
    assertRealigns(Kind.INSERT, 2);
  }

  @Test
  void deletionsRealign() {
    assertRealigns(Kind.DELETE, 3);
  }

  private static void assertRealigns(Kind kind, long seed) {
    ChunkingParams params = ChunkingParams.DEFAULT;
    FastCdc cdc = new FastCdc(params);
    Random random = new Random(seed);
    byte[] data = new byte[64 << 20];
    random.nextBytes(data);
    long[] cuts = cuts(cdc, data);
    Set<Long> cutSet = new HashSet<>();
    for (long c : cuts) {
      cutSet.add(c);
    }
    int[] extra = new int[EDITS];
    byte[] window = new byte[WINDOW_CHUNKS * params.maxSize() + MAX_EDIT];
    for (int e = 0; e < EDITS; e++) {
      int size = 1 + random.nextInt(MAX_EDIT);
      int at = random.nextInt(data.length - (WINDOW_CHUNKS + 2) * params.maxSize());
      byte[] inserted = new byte[kind == Kind.DELETE ? 0 : size];
      random.nextBytes(inserted);
      int removed = kind == Kind.INSERT ? 0 : size;
      extra[e] = extraNewChunks(cdc, data, cuts, cutSet, window, at, inserted, removed);
    }
    double mean = Arrays.stream(extra).average().orElseThrow();
    int[] sorted = extra.clone();
    Arrays.sort(sorted);
    int p99 = sorted[(int) Math.ceil(0.99 * EDITS) - 1];
    System.out.printf("%s: mean %.3f p99 %d max %d%n", kind, mean, p99, sorted[EDITS - 1]);
    assertThat(mean).as("%s: mean new chunks beyond the touched ones", kind).isLessThanOrEqualTo(1);
    assertThat(p99).as("%s: 99th percentile beyond the touched ones", kind).isLessThanOrEqualTo(2);
  }

  /**
   * New chunks of the edited data minus the chunks that overlap the edit (for a deletion, the chunk
   * holding the byte after it).
   */
  private static int extraNewChunks(
      FastCdc cdc,
      byte[] data,
      long[] cuts,
      Set<Long> cutSet,
      byte[] window,
      int at,
      byte[] inserted,
      int removed) {
    int first = Arrays.binarySearch(cuts, at);
    first = first >= 0 ? first : -first - 2;
    int start = (int) cuts[first];
    int prefix = at - start;
    System.arraycopy(data, start, window, 0, prefix);
    System.arraycopy(inserted, 0, window, prefix, inserted.length);
    int editEnd = prefix + inserted.length;
    int tailStart = at + removed;
    int available = data.length - tailStart;
    int copied = 0;
    long shift = (long) start + removed - inserted.length;
    int touchedEnd = Math.max(editEnd, prefix + 1);
    int fresh = 0;
    int touched = 0;
    int pos = 0;
    while (true) {
      // Copy the unchanged tail lazily: most edits realign within a few chunks.
      int max = cdc.params().maxSize();
      while (editEnd + copied - pos < max && copied < available) {
        int n = Math.min(Math.min(max, available - copied), window.length - editEnd - copied);
        if (n == 0) {
          return fresh - touched; // window exhausted before realigning: all seen counted new
        }
        System.arraycopy(data, tailStart + copied, window, editEnd + copied, n);
        copied += n;
      }
      int length = editEnd + copied;
      if (pos >= length) {
        return fresh - touched;
      }
      int end = pos + cdc.cut(window, pos, length - pos);
      if (pos < touchedEnd && end > prefix) {
        touched++;
      }
      fresh++;
      pos = end;
      if (pos >= touchedEnd && cutSet.contains(pos + shift)) {
        return fresh - touched;
      }
    }
  }

  private static long[] cuts(FastCdc cdc, byte[] data) {
    long[] cuts = new long[data.length / cdc.params().minSize() + 2];
    int n = 0;
    int pos = 0;
    cuts[n++] = 0;
    while (pos < data.length) {
      pos += cdc.cut(data, pos, data.length - pos);
      cuts[n++] = pos;
    }
    return Arrays.copyOf(cuts, n);
  }
}
