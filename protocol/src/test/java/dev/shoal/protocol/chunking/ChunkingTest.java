package dev.shoal.protocol.chunking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.shoal.protocol.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChunkingTest {
  /** Small bounds so that small inputs produce many chunks. */
  static final ChunkingParams SMALL = new ChunkingParams(256, 1024, 4096);

  @Test
  void chunksConcatenateToTheInputWhateverTheReadSizes() {
    qt().withExamples(200)
        .forAll(longs().all(), integers().between(0, 60_000), integers().between(1, 9000))
        .checkAssert(
            (seed, size, maxRead) -> {
              byte[] data = Fixtures.bytes(new Random(seed), size);
              assertChunksIgnoreReadSizes(data, maxRead, SMALL);
            });
  }

  @Test
  void defaultBoundsDoNotDependOnReadSizesEither() {
    // Exercises the buffer growing from 64 KiB to 8 MiB under short reads.
    byte[] data = Fixtures.bytes(new Random(11), 11 << 20);
    assertChunksIgnoreReadSizes(data, 77_777, ChunkingParams.DEFAULT);
  }

  /**
   * Read at most {@code maxRead} bytes at a time, {@code data}'s chunks join up to it and are the
   * chunks of the same data read at once.
   */
  private static void assertChunksIgnoreReadSizes(byte[] data, int maxRead, ChunkingParams params) {
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    List<ChunkRef> refs = scan(trickle(data, maxRead), params, joined);
    assertThat(joined.toByteArray()).isEqualTo(data);
    assertThat(refs).isEqualTo(scan(new ByteArrayInputStream(data), params, null));
  }

  @Test
  void chunkSizesRespectTheBounds() {
    qt().withExamples(100)
        .forAll(longs().all(), integers().between(1, 100_000), integers().between(0, 3))
        .checkAssert(
            (seed, size, kind) -> {
              byte[] data = input(new Random(seed), size, kind);
              List<ChunkRef> refs = scan(new ByteArrayInputStream(data), SMALL, null);
              for (int i = 0; i < refs.size(); i++) {
                int s = refs.get(i).size();
                assertThat(s).isLessThanOrEqualTo(SMALL.maxSize());
                if (i < refs.size() - 1) {
                  assertThat(s).isGreaterThanOrEqualTo(SMALL.minSize());
                }
              }
            });
  }

  @Test
  void defaultBoundsOnRandomAndZeroData() throws IOException {
    byte[] random = Fixtures.bytes(new Random(7), 24 << 20);
    FileChunks chunks = ChunkScanner.scan(new ByteArrayInputStream(random));
    List<ChunkRef> refs = chunks.chunks();
    for (int i = 0; i < refs.size() - 1; i++) {
      assertThat(refs.get(i).size()).isBetween(512 << 10, 4 << 20);
    }
    double mean = (double) random.length / refs.size();
    assertThat(mean).isBetween(768.0 * 1024, 2.0 * 1024 * 1024);
    // Zeros never match the mask; every chunk is a forced 4 MiB cut.
    FileChunks zeros = ChunkScanner.scan(new ByteArrayInputStream(new byte[10 << 20]));
    assertThat(zeros.chunks())
        .extracting(ChunkRef::size)
        .containsExactly(4 << 20, 4 << 20, 2 << 20);
  }

  @Test
  void scanReportsIdsOffsetsAndTheFileHash() throws IOException {
    byte[] data = Fixtures.bytes(new Random(3), 50_000);
    FileChunks chunks =
        ChunkScanner.scan(new ByteArrayInputStream(data), SMALL, (ref, b, o, l) -> {});
    assertThat(chunks.size()).isEqualTo(data.length);
    assertThat(chunks.sha256()).isEqualTo(Fixtures.sha256Hex(data));
    long offset = 0;
    for (ChunkRef ref : chunks.chunks()) {
      assertThat(ref.offset()).isEqualTo(offset);
      byte[] slice = java.util.Arrays.copyOfRange(data, (int) offset, (int) offset + ref.size());
      assertThat(ref.id()).isEqualTo(Fixtures.sha256Hex(slice));
      offset += ref.size();
    }
    assertThat(ChunkScanner.scan(new ByteArrayInputStream(new byte[0])).chunks()).isEmpty();
  }

  @Test
  void readsFromChannels() throws IOException {
    byte[] data = Fixtures.bytes(new Random(4), 5 << 20);
    ChunkReader reader = new ChunkReader(Channels.newChannel(new ByteArrayInputStream(data)));
    long total = 0;
    while (reader.next()) {
      assertThat(reader.position()).isEqualTo(total);
      total += reader.length();
    }
    assertThat(total).isEqualTo(data.length);
  }

  @Test
  void boundariesArePinned() throws IOException {
    // The gear table and the cut rule are part of the format: these sizes must never change.
    assertThat(FastCdc.GEAR[0]).isEqualTo(GEAR_0);
    assertThat(FastCdc.GEAR[255]).isEqualTo(GEAR_255);
    byte[] data = Fixtures.bytes(new Random(42), 12 << 20);
    List<Integer> sizes =
        ChunkScanner.scan(new ByteArrayInputStream(data)).chunks().stream()
            .map(ChunkRef::size)
            .toList();
    assertThat(sizes).isEqualTo(PINNED_SIZES);
  }

  static final long GEAR_0 = 0xa4411f9185dd9e81L;
  static final long GEAR_255 = 0x3127028a6ff8252bL;
  static final List<Integer> PINNED_SIZES =
      List.of(
          1365314, 1160786, 635006, 1807783, 2237055, 1841551, 578678, 877083, 1370628, 584645,
          124383);

  @Test
  void aSmallEditInTheMiddleChangesOnlyAFewChunks() {
    // Fixed seed: the property is statistical, and a flaky CI test helps nobody.
    byte[] original = Fixtures.bytes(new Random(1234), 32 << 20);
    Set<String> before = ids(original);
    qt().withFixedSeed(99)
        .withExamples(3)
        .forAll(integers().between(-(4 << 20), 4 << 20))
        .checkAssert(
            shift -> {
              // Both an insertion (shifts everything after it) and an in-place overwrite.
              for (boolean insert : new boolean[] {true, false}) {
                Set<String> after = ids(edit(original, original.length / 2 + shift, insert));
                Set<String> shared = new HashSet<>(after);
                shared.retainAll(before);
                assertThat((double) shared.size() / before.size())
                    .as("insert=%s shift=%d", insert, shift)
                    .isGreaterThanOrEqualTo(0.9);
              }
            });
  }

  private static byte[] edit(byte[] data, int at, boolean insert) {
    byte[] patch = Fixtures.bytes(new Random(at), 100);
    if (!insert) {
      byte[] out = data.clone();
      System.arraycopy(patch, 0, out, at, patch.length);
      return out;
    }
    byte[] out = new byte[data.length + patch.length];
    System.arraycopy(data, 0, out, 0, at);
    System.arraycopy(patch, 0, out, at, patch.length);
    System.arraycopy(data, at, out, at + patch.length, data.length - at);
    return out;
  }

  private static Set<String> ids(byte[] data) {
    Set<String> ids = new HashSet<>();
    for (ChunkRef ref : scan(new ByteArrayInputStream(data), ChunkingParams.DEFAULT, null)) {
      ids.add(ref.id());
    }
    return ids;
  }

  /** Random, all-zero, repeating and low-entropy inputs. */
  private static byte[] input(Random r, int size, int kind) {
    byte[] data = new byte[size];
    switch (kind) {
      case 0 -> r.nextBytes(data);
      case 1 -> {}
      case 2 -> {
        for (int i = 0; i < size; i++) {
          data[i] = (byte) (i % 251);
        }
      }
      default -> {
        for (int i = 0; i < size; i++) {
          data[i] = (byte) (r.nextInt(3));
        }
      }
    }
    return data;
  }

  private static List<ChunkRef> scan(
      InputStream in, ChunkingParams params, ByteArrayOutputStream sink) {
    try {
      return ChunkScanner.scan(
              in,
              params,
              (ref, buf, off, len) -> {
                if (sink != null) {
                  sink.write(buf, off, len);
                }
              })
          .chunks();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A stream that returns at most {@code maxRead} bytes per read, like a socket. */
  private static InputStream trickle(byte[] data, int maxRead) {
    return new FilterInputStream(new ByteArrayInputStream(data)) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return super.read(b, off, Math.min(len, maxRead));
      }
    };
  }
}
