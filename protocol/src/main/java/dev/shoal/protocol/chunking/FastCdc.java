package dev.shoal.protocol.chunking;

/**
 * Content-defined chunking with the Gear rolling hash of FastCDC (Xia et al., USENIX ATC 2016) and
 * a single cut mask (format 2).
 *
 * <p>The rolling hash is {@code h = (h << 1) + GEAR[byte]}; after 64 bytes the hash depends only on
 * the last 64 bytes. A cut happens after the byte at which {@code (h & mask) == 0}, the mask being
 * the top {@code floor(log2(avgSize - minSize))} bits of the hash (high bits, because with a left
 * shift they depend on all 64 bytes while low bits depend on only a few). No cut before minSize, a
 * forced cut at maxSize.
 *
 * <p>Why one mask: format 1 used FastCDC's normalised chunking, a harder mask before the average
 * size and an easier one after. Then whether a position is a cut point depends on its distance from
 * the chunk's start, so after an edit the old and new chunkings often leapfrog each other for
 * several chunks. With one mask, and the hash warmed up over the 64 bytes before minSize, the cut
 * decision at a position depends only on the 64 bytes before it: the cut points of two versions are
 * the same set away from the edit, and the chunkings realign at the first common one not skipped by
 * minSize, usually the first cut after the edit.
 *
 * <p>The gear table is part of the format: {@code GEAR[i]} is the i-th output of SplitMix64 seeded
 * with {@link #GEAR_SEED} (the ASCII bytes "ShoalCDC").
 */
public final class FastCdc {
  public static final long GEAR_SEED = 0x5368_6f61_6c43_4443L;

  /** Bytes of history the Gear hash depends on. */
  static final int WINDOW = 64;

  static final long[] GEAR = gearTable(GEAR_SEED);

  private final ChunkingParams params;
  private final long mask;

  public FastCdc(ChunkingParams params) {
    this.params = params;
    this.mask = topBits(31 - Integer.numberOfLeadingZeros(params.avgSize() - params.minSize()));
  }

  public ChunkingParams params() {
    return params;
  }

  /**
   * Length of the chunk that starts at {@code buf[off]}.
   *
   * @param len bytes available; must be at least maxSize unless the input ends within them
   * @return a length in 1..min(len, maxSize) (0 only if len is 0)
   */
  public int cut(byte[] buf, int off, int len) {
    if (len <= params.minSize()) {
      return len;
    }
    int end = Math.min(len, params.maxSize());
    long[] gear = GEAR;
    long hash = 0;
    // Warm the hash up on the window before minSize so that the hash at a candidate position is
    // the same whatever the chunk's start.
    int i = off + params.minSize() - WINDOW;
    int first = off + params.minSize();
    for (; i < first; i++) {
      hash = (hash << 1) + gear[buf[i] & 0xff];
    }
    int stop = off + end;
    long m = mask;
    for (; i < stop; i++) {
      hash = (hash << 1) + gear[buf[i] & 0xff];
      if ((hash & m) == 0) {
        return i + 1 - off;
      }
    }
    return end;
  }

  private static long topBits(int n) {
    return -1L << (64 - n);
  }

  private static long[] gearTable(long seed) {
    long[] table = new long[256];
    long state = seed;
    for (int i = 0; i < table.length; i++) {
      state += 0x9e37_79b9_7f4a_7c15L;
      long z = state;
      z = (z ^ (z >>> 30)) * 0xbf58_476d_1ce4_e5b9L;
      z = (z ^ (z >>> 27)) * 0x94d0_49bb_1331_11ebL;
      table[i] = z ^ (z >>> 31);
    }
    return table;
  }
}
