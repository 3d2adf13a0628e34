package dev.shoal.protocol.patch;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which chunks of a file's old version make the dictionary for each new chunk of its new version.
 *
 * <p>Chunks both versions share are anchors. A run of new chunks between two anchors replaces the
 * old bytes between the same anchors; a new chunk at relative offset {@code a..b} of its run is
 * compared with the old bytes around {@code a..b} of the old run, widened by the difference of the
 * two runs' lengths (what an insertion or deletion may have shifted). The old chunks overlapping
 * that window form the dictionary, capped at {@link #MAX_CHUNKS} chunks and {@link #MAX_BYTES}
 * bytes around the centre, so memory stays bounded whatever the file.
 */
public final class PatchBases {
  /** Matches {@code PatchEntry.MAX_BASE_CHUNKS} of the manifest. */
  public static final int MAX_CHUNKS = 8;

  private static final long MAX_SLACK = 4L << 20;

  /**
   * What the publisher uses, below the format's {@link ChunkPatch#MAX_DICTIONARY}: an agent with a
   * small heap holds one dictionary at a time.
   */
  public static final long MAX_BYTES = 8L << 20;

  private PatchBases() {}

  /**
   * For each new chunk, the range {@code [from, to)} of old chunk indexes forming its dictionary,
   * or null where the chunk is one of the old ones or nothing in the old version corresponds.
   */
  public static int[][] of(
      List<String> oldIds, long[] oldSizes, List<String> newIds, long[] newSizes) {
    long[] oldOff = offsets(oldSizes);
    long[] newOff = offsets(newSizes);
    Map<String, Integer> oldIndex = new HashMap<>();
    for (int i = 0; i < oldIds.size(); i++) {
      oldIndex.putIfAbsent(oldIds.get(i), i);
    }
    int[][] out = new int[newIds.size()][];
    int j = 0;
    long oldRunStart = 0;
    while (j < newIds.size()) {
      Integer anchor = oldIndex.get(newIds.get(j));
      if (anchor != null) {
        oldRunStart = oldOff[anchor + 1];
        j++;
        continue;
      }
      int runEnd = j;
      while (runEnd < newIds.size() && !oldIndex.containsKey(newIds.get(runEnd))) {
        runEnd++;
      }
      long oldRunEnd =
          runEnd < newIds.size() ? oldOff[oldIndex.get(newIds.get(runEnd))] : oldOff[oldIds.size()];
      if (oldRunEnd > oldRunStart) {
        long newStart = newOff[j];
        long slack =
            Math.min(
                MAX_SLACK,
                Math.abs((newOff[runEnd] - newStart) - (oldRunEnd - oldRunStart)) + (64 << 10));
        for (int k = j; k < runEnd; k++) {
          long from = oldRunStart + (newOff[k] - newStart) - slack;
          long to = oldRunStart + (newOff[k + 1] - newStart) + slack;
          out[k] = window(oldOff, Math.max(from, oldRunStart), Math.min(to, oldRunEnd));
        }
      }
      j = runEnd;
    }
    return out;
  }

  /** Old chunks overlapping {@code [from, to)}, trimmed from the far end down to the caps. */
  private static int[] window(long[] oldOff, long from, long to) {
    if (to <= from) {
      return null;
    }
    int first = chunkAt(oldOff, from);
    int last = chunkAt(oldOff, to - 1) + 1;
    long centre = (from + to) / 2;
    long budget = MAX_BYTES;
    while (last - first > MAX_CHUNKS || oldOff[last] - oldOff[first] > budget) {
      if (last - first == 1) {
        return null; // a single old chunk above the cap cannot happen with chunks <= 16 MiB
      }
      if (centre - oldOff[first] > oldOff[last] - centre) {
        first++;
      } else {
        last--;
      }
    }
    return new int[] {first, last};
  }

  /** Index of the chunk holding byte {@code pos}. */
  private static int chunkAt(long[] off, long pos) {
    int lo = 0;
    int hi = off.length - 2;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (off[mid] <= pos) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  private static long[] offsets(long[] sizes) {
    long[] off = new long[sizes.length + 1];
    for (int i = 0; i < sizes.length; i++) {
      off[i + 1] = off[i] + sizes[i];
    }
    return off;
  }
}
