package dev.shoal.agent.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shoal.agent.fs.DataDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Updates that clone large changed files from their old versions (FICLONE) and rewrite only the
 * changed chunks: on the test machine's own file system, which may not clone (then the installer
 * copies), and for real on an XFS image with reflink, loop-mounted (needs root and xfsprogs;
 * skipped otherwise, with the reason).
 */
class CloneInstallTest {
  static final Build V1 = Build.v1();
  static final Build V2 = Build.v2();

  @TempDir static Path shared;
  static Path xfs; // the mounted image, or null

  @BeforeAll
  static void mountXfs() throws Exception {
    if (!isRoot() || !run("mkfs.xfs", "-V")) {
      return;
    }
    Path image = shared.resolve("xfs.img");
    Path dir = Files.createDirectories(shared.resolve("xfs"));
    if (run("truncate", "-s", "300M", image.toString())
        && run("mkfs.xfs", "-q", "-m", "reflink=1", image.toString())
        && run("mount", "-o", "loop", image.toString(), dir.toString())) {
      xfs = dir;
    }
  }

  @AfterAll
  static void unmountXfs() throws Exception {
    if (xfs != null) {
      run("umount", xfs.toString());
    }
  }

  static boolean isRoot() throws Exception {
    Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    return p.waitFor() == 0 && out.equals("0");
  }

  static boolean run(String... command) throws Exception {
    try {
      Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false; // not installed
    }
  }

  static void assumeXfs() throws Exception {
    assumeTrue(isRoot(), "needs root to loop-mount an XFS image with reflink=1");
    assumeTrue(run("mkfs.xfs", "-V"), "needs xfsprogs (mkfs.xfs) to make an XFS image");
    assumeTrue(xfs != null, "could not make or loop-mount an XFS image with reflink=1");
  }

  /** The offset of the first chunk of {@code path} that v1 and v2 have at the same place. */
  static long keptChunkOffset(String path) {
    java.util.Map<Long, String> v1At = chunkOffsets(V1, path);
    java.util.Map<Long, String> v2At = chunkOffsets(V2, path);
    return v2At.entrySet().stream()
        .filter(e -> e.getValue().equals(v1At.get(e.getKey())))
        .mapToLong(java.util.Map.Entry::getKey)
        .min()
        .orElseThrow(() -> new AssertionError("v2 keeps no chunk of " + path + " in place"));
  }

  static java.util.Map<Long, String> chunkOffsets(Build b, String path) {
    java.util.Map<Long, String> at = new java.util.HashMap<>();
    long off = 0;
    for (String id :
        b.manifest.files().stream()
            .filter(f -> f.path().equals(path))
            .findFirst()
            .orElseThrow()
            .chunkIds()) {
      at.put(off, id);
      off += b.chunks.get(id).length;
    }
    return at;
  }

  Installer installV1(Path root) throws Exception {
    Files.createDirectories(root.resolve("games"));
    Installer installer =
        new Installer(
            DataDir.open(root.resolve("data")), root.resolve("games/game"), "game", "live");
    installer.install(V1.manifest, V1.chunks::get);
    return installer;
  }

  @Test
  void whereTheFileSystemCannotCloneTheChangedFilesAreCopied(@TempDir Path tmp) throws Exception {
    Path source = Files.write(tmp.resolve("source"), Build.random(100_000, 1));
    boolean cloned = FileClone.tryClone(source, tmp.resolve("clone"));
    if (!cloned) {
      assertThat(tmp.resolve("clone")).doesNotExist();
    }
    Installer installer = installV1(tmp);
    Build.Counting src = new Build.Counting(V2.chunks::get);
    installer.install(V2.manifest, src);
    assertThat(V2.matches(installer.installDir())).isTrue();
    assertThat(installer.clonedFiles()).isEqualTo(cloned ? 2 : 0);
    assertThat(installer.verify()).isEmpty();
  }

  @Test
  void onXfsLargeChangedFilesAreClonedAndOnlyTheirChangedChunksWritten() throws Exception {
    assumeXfs();
    Path root = Files.createDirectories(xfs.resolve("update"));
    Path source = Files.write(root.resolve("source"), Build.random(100_000, 1));
    assertThat(FileClone.tryClone(source, root.resolve("clone"))).isTrue();
    assertThat(Files.readAllBytes(root.resolve("clone"))).isEqualTo(Files.readAllBytes(source));

    Installer installer = installV1(root);
    Build.Counting src = new Build.Counting(V2.chunks::get);
    installer.install(V2.manifest, src);
    // a.pak (content patched) and bin/game (mode changed) are over the clone threshold.
    assertThat(installer.clonedFiles()).isEqualTo(2);
    assertThat(src.asked).containsAll(V2.chunkIdsOf("data/c.pak"));
    assertThat(V2.matches(installer.installDir())).isTrue();
    assertThat(installer.verify()).isEmpty();
    assertThat(installer.workDir(2)).doesNotExist();
  }

  @Test
  void onXfsADamagedOldFileIsNotClonedButRebuiltFromCheckedChunks() throws Exception {
    assumeXfs();
    Path root = Files.createDirectories(xfs.resolve("damaged"));
    Installer installer = installV1(root);
    Path a = installer.installDir().resolve("data/a.pak");
    byte[] b = Files.readAllBytes(a);
    b[(int) keptChunkOffset("data/a.pak") + 10] ^= 1; // in a chunk v2 keeps at the same place
    Files.write(a, b);

    installer.install(V2.manifest, V2.chunks::get);
    assertThat(installer.clonedFiles()).isEqualTo(1); // bin/game only
    assertThat(V2.matches(installer.installDir())).isTrue();
    assertThat(installer.verify()).isEmpty();
  }

  @Test
  @Tag("slow")
  void onXfsACrashAtAnyStepOfAClonedUpdateLeavesOldOrNew() throws Exception {
    assumeXfs();
    Path root = Files.createDirectories(xfs.resolve("crash"));
    Path packs = Files.createDirectories(root.resolve("packs"));
    InstallCrashTest.packs(packs);
    String baseline = new InstallCrashTest().crashAtNumberedStepsAndRandomKills(root);
    // The uninterrupted child cloned a.pak and bin/game, so the crashes hit the clone steps.
    assertThat(baseline).contains("cloned=2");
  }
}
