package dev.shoal.agent.install;

import dev.shoal.protocol.manifest.FileEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

  /**
   * What installing {@code release} over {@code current} writes: in place, only the files whose
   * manifest entry (content, mode) changed or whose installed file is missing or has another size;
   * a whole staged copy when there is no install directory yet or a file clashes with a directory.
   */
  static UpdatePlan of(Path installDir, ReleaseManifest release, ReleaseManifest current)
      throws InstallException {
    if (!Files.isDirectory(installDir, LinkOption.NOFOLLOW_LINKS)) {
      return UpdatePlan.whole(release);
    }
    Map<String, FileEntry> old = new HashMap<>();
    if (current != null) {
      for (FileEntry f : current.files()) {
        old.put(f.path(), f);
      }
    }
    List<Integer> changed = new ArrayList<>();
    Set<String> kept = new HashSet<>();
    List<FileEntry> files = release.files();
    for (int i = 0; i < files.size(); i++) {
      FileEntry f = files.get(i);
      kept.add(f.path());
      Path target = Installer.resolveInside(installDir, f.path());
      if (f.path().startsWith(Installer.WORK_PREFIX) || clashesWithDirectory(installDir, target)) {
        return UpdatePlan.whole(release);
      }
      if (!f.equals(old.get(f.path())) || !hasSize(target, f.size())) {
        changed.add(i);
      }
    }
    List<String> deleted = new ArrayList<>();
    for (String path : old.keySet()) {
      if (!kept.contains(path)) {
        deleted.add(path);
      }
    }
    deleted.sort(null);
    return new UpdatePlan(true, changed, deleted);
  }

  /** A directory where the file goes, or a non-directory where one of its parents goes. */
  private static boolean clashesWithDirectory(Path installDir, Path target) {
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      return true;
    }
    for (Path p = target.getParent(); !p.equals(installDir); p = p.getParent()) {
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)
          && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasSize(Path file, long size) {
    try {
      return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && Files.size(file) == size;
    } catch (IOException e) {
      return false;
    }
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
