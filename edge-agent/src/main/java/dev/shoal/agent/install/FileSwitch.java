package dev.shoal.agent.install;

import dev.shoal.agent.fs.DataDir;
import dev.shoal.protocol.manifest.FileEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The journaled switch of an update in place ({@link UpdatePlan#inPlace()}): new files built in the
 * work directory {@code <install>/.shoal-update-<v>/} as {@code new-<i>} go into their places, the
 * old versions they replace go aside as {@code old-<i>}, deleted files as {@code deleted-<j>}.
 * Every step is a rename on one file system whose done-or-not is visible in the work directory, so
 * each method here can be run again from wherever a crash stopped it.
 */
final class FileSwitch {
  private final Path installDir;
  private final ReleaseManifest release;
  private final UpdatePlan plan;
  private final Path work;

  FileSwitch(Path installDir, ReleaseManifest release, UpdatePlan plan) {
    this.installDir = installDir;
    this.release = release;
    this.plan = plan;
    this.work = workDir(installDir, release.version());
  }

  static Path workDir(Path installDir, long version) {
    return installDir.resolve(Installer.WORK_PREFIX + version);
  }

  Path work() {
    return work;
  }

  /** Where the new version of the release's file {@code index} is built. */
  Path built(int index) {
    return work.resolve("new-" + index);
  }

  private Path oldVersion(int index) {
    return work.resolve("old-" + index);
  }

  private Path deleted(int index) {
    return work.resolve("deleted-" + index);
  }

  private Path target(int index) throws InstallException {
    return Installer.resolveInside(installDir, release.files().get(index).path());
  }

  /** Whether every new file, still in the work directory or already in its place, matches. */
  boolean builtFilesMatch() throws IOException, InstallException {
    for (int i : plan.changed()) {
      FileEntry f = release.files().get(i);
      Path p = Files.exists(built(i), LinkOption.NOFOLLOW_LINKS) ? built(i) : target(i);
      if (!Installer.matches(p, f)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Each changed file: its old version (if any) renamed aside, then the new one into its place;
   * each deleted file renamed aside.
   */
  void switchIn() throws IOException, InstallException {
    if (!Files.exists(work, LinkOption.NOFOLLOW_LINKS)) {
      return; // switched and cleaned up already
    }
    for (int i : plan.changed()) {
      if (!Files.exists(built(i), LinkOption.NOFOLLOW_LINKS)) {
        continue; // switched in already
      }
      Path target = target(i);
      Files.createDirectories(target.getParent());
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)
          && !Files.exists(oldVersion(i), LinkOption.NOFOLLOW_LINKS)) {
        Installer.move(target, oldVersion(i));
        CrashPoints.step();
      }
      Installer.move(built(i), target);
      DataDir.syncDirectory(target.getParent());
      CrashPoints.step();
    }
    for (int j = 0; j < plan.deleted().size(); j++) {
      Path target = Installer.resolveInside(installDir, plan.deleted().get(j));
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)
          && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)
          && !Files.exists(deleted(j), LinkOption.NOFOLLOW_LINKS)) {
        Installer.move(target, deleted(j));
        DataDir.syncDirectory(target.getParent());
        CrashPoints.step();
      }
    }
    DataDir.syncDirectory(work);
  }

  /** After the state records the new version: deletes the old versions and emptied directories. */
  void finish() throws IOException, InstallException {
    DataDir.deleteTree(work, CrashPoints::step);
    for (String path : plan.deleted()) {
      removeEmptyParents(Installer.resolveInside(installDir, path));
    }
    DataDir.syncDirectory(installDir);
  }

  /**
   * Puts the old version back. After {@code STAGED} ({@code switching}) some new files may be in
   * their places already: a new file no longer in the work directory is, and is removed before its
   * old version (if it had one) is renamed back. Then the work directory goes.
   */
  void rollBack(boolean switching) throws IOException, InstallException {
    if (switching && Files.exists(work, LinkOption.NOFOLLOW_LINKS)) {
      for (int j = plan.deleted().size() - 1; j >= 0; j--) {
        if (Files.exists(deleted(j), LinkOption.NOFOLLOW_LINKS)) {
          Installer.move(deleted(j), Installer.resolveInside(installDir, plan.deleted().get(j)));
        }
      }
      for (int k = plan.changed().size() - 1; k >= 0; k--) {
        int i = plan.changed().get(k);
        Path target = target(i);
        if (!Files.exists(built(i), LinkOption.NOFOLLOW_LINKS)) {
          Files.deleteIfExists(target);
        }
        if (Files.exists(oldVersion(i), LinkOption.NOFOLLOW_LINKS)) {
          Installer.move(oldVersion(i), target);
        } else {
          removeEmptyParents(target);
        }
        CrashPoints.step();
      }
    }
    DataDir.deleteTree(work, CrashPoints::step);
    DataDir.syncDirectory(installDir);
  }

  /** Removes the directories above {@code file} that are empty now, up to the install directory. */
  private void removeEmptyParents(Path file) throws IOException {
    for (Path d = file.getParent(); !d.equals(installDir); d = d.getParent()) {
      if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      try (var entries = Files.list(d)) {
        if (entries.findAny().isPresent()) {
          return;
        }
      }
      Files.delete(d);
    }
  }
}
