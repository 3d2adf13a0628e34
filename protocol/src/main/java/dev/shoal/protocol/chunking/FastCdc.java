package dev.shoal.protocol.chunking;

/**
 * FastCDC content-defined chunking (Xia et al., USENIX ATC 2016) with normalized chunking level 2:
 * between minSize and avgSize the cut mask has log2(avg)+2 bits (cuts are rarer), after avgSize it
 * has log2(avg)-2 bits (cuts are likelier), which pulls chunk sizes towards the average.
 *
 * <p>The rolling hash is the Gear hash {@code h = (h << 1) + GEAR[byte]}. Mask bits are taken from
 * the top of the 64-bit hash because with a left shift the high bits depend on the last 64 bytes
 * while low bits depend on only a few. A cut happens after the byte at which {@code (h & mask) ==
 * 0}. Hashing starts at minSize (cut-point skipping).
 *
 * <p>The gear table is part of the format: {@code GEAR[i]} is the i-th output of SplitMix64 seeded
 * with {@link #GEAR_SEED} (the ASCII bytes "ShoalCDC"). Changing seed or generator changes every
 * chunk boundary and defeats deduplication against older releases.
 */
public final class FastCdc {
  public static final long GEAR_SEED = 0x5368_6f61_6c43_4443L;

  static final long[] GEAR = gearTable(GEAR_SEED);

  private final ChunkingParams params;
  private final long maskSmall;
  private final long maskLarge;

  public FastCdc(ChunkingParams params) {
    this.params = params;
    int bits = Integer.numberOfTrailingZeros(params.avgSize());
    this.maskSmall = topBits(bits + 2);
    this.maskLarge = topBits(bits - 2);
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
    int normal = Math.min(end, params.avgSize());
    long[] gear = GEAR;
    long hash = 0;
    int i = off + params.minSize();
    int stop = off + normal;
    long mask = maskSmall;
    for (; i < stop; i++) {
      hash = (hash << 1) + gear[buf[i] & 0xff];
      if ((hash & mask) == 0) {
        return i + 1 - off;
      }
    }
    stop = off + end;
    mask = maskLarge;
    for (; i < stop; i++) {
      hash = (hash << 1) + gear[buf[i] & 0xff];
      if ((hash & mask) == 0) {
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
