package dev.shoal.agent.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirTest {
  @TempDir Path tmp;

  @Test
  void directoriesAndFilesAreOwnerOnly() throws Exception {
    DataDir dir = DataDir.open(tmp.resolve("data"));
    for (Path p :
        new Path[] {
          dir.root(),
          dir.identityDir(),
          dir.consentDir(),
          dir.stateDir(),
          dir.outboxDir(),
          dir.cacheDir()
        }) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
          .as(p.toString())
          .isEqualTo("rwx------");
    }
    Path f = dir.stateDir().resolve("x.json");
    dir.writeAtomically(f, "one");
    Path log = dir.consentDir().resolve("log.jsonl");
    dir.appendLine(log, "{}");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log)))
        .isEqualTo("rw-------");
  }

  @Test
  void reopeningTightensLoosenedPermissions() throws Exception {
    Path root = tmp.resolve("data");
    DataDir.open(root);
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    DataDir.open(root);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root)))
        .isEqualTo("rwx------");
  }

  @Test
  void atomicWriteReplacesAndLeavesNoTempFile() throws Exception {
    DataDir dir = DataDir.open(tmp.resolve("data"));
    Path f = dir.stateDir().resolve("x.json");
    dir.writeAtomically(f, "one");
    dir.writeAtomically(f, "two");
    assertThat(Files.readString(f)).isEqualTo("two");
    try (var s = Files.list(dir.stateDir())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("x.json");
    }
  }

  @Test
  void appendKeepsEarlierLinesAndRejectsEmbeddedNewlines() throws Exception {
    DataDir dir = DataDir.open(tmp.resolve("data"));
    Path log = dir.consentDir().resolve("log.jsonl");
    dir.appendLine(log, "a");
    dir.appendLine(log, "b");
    assertThat(Files.readAllLines(log)).containsExactly("a", "b");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> dir.appendLine(log, "c\nd"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void deleteTreeRemovesLinksButNeverWhatTheyPointTo() throws Exception {
    Path outside = Files.writeString(tmp.resolve("keep.txt"), "player's file");
    Path keptDir = Files.createDirectories(tmp.resolve("kept-dir"));
    Files.writeString(keptDir.resolve("inside.txt"), "also kept");
    Path tree = Files.createDirectories(tmp.resolve("tree/a/b"));
    Files.writeString(tree.resolve("one"), "1");
    Files.writeString(tree.getParent().resolve("two"), "2");
    Files.createSymbolicLink(tree.resolve("link-to-file"), outside);
    Files.createSymbolicLink(tree.resolve("link-to-dir"), keptDir);
    java.util.concurrent.atomic.AtomicInteger deleted =
        new java.util.concurrent.atomic.AtomicInteger();

    DataDir.deleteTree(tmp.resolve("tree"), deleted::incrementAndGet);

    assertThat(tmp.resolve("tree")).doesNotExist();
    assertThat(deleted).hasValue(4); // two files, two links: one callback each
    assertThat(outside).hasContent("player's file");
    assertThat(keptDir.resolve("inside.txt")).hasContent("also kept");
    DataDir.deleteTree(
        tmp.resolve("tree"), deleted::incrementAndGet); // gone already: nothing to do
    assertThat(deleted).hasValue(4);
  }
}
