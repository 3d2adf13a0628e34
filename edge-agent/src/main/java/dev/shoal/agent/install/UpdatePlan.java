package dev.shoal.agent.install;

import dev.shoal.protocol.manifest.ReleaseManifest;
import java.util.List;
import java.util.stream.IntStream;

/**
 * What an install writes. In place: the files of the new release at {@code changed} (indexes into
 * its file list) are built and switched in beside the unchanged ones, the old release's files at
 * {@code deleted} (paths) are removed. Not in place: the whole release is staged next to the
 * install directory and the directories are switched.
 */
record UpdatePlan(boolean inPlace, List<Integer> changed, List<String> deleted) {
  UpdatePlan {
    changed = List.copyOf(changed);
    deleted = List.copyOf(deleted);
  }

  static UpdatePlan whole(ReleaseManifest release) {
    return new UpdatePlan(
        false, IntStream.range(0, release.files().size()).boxed().toList(), List.of());
  }

  /** The bytes of the files this plan writes: their new versions. */
  long bytesToWrite(ReleaseManifest release) {
    long sum = 0;
    for (int i : changed) {
      sum += release.files().get(i).size();
    }
    return sum;
  }
}
