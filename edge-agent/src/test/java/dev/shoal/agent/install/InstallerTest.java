package dev.shoal.agent.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.install.Installer.FileProblem;
import dev.shoal.protocol.crypto.ChunkCipher;
import dev.shoal.protocol.manifest.ChunkEntry;
import dev.shoal.protocol.manifest.FileEntry;
import dev.shoal.protocol.manifest.FileModes;
import dev.shoal.protocol.manifest.PatchEntry;
import dev.shoal.protocol.pack.PackLayout;
import dev.shoal.protocol.pack.PackWriter;
import dev.shoal.protocol.patch.ChunkPatch;
import dev.shoal.protocol.patch.PatchBases;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstallerTest {
  static final Build V1 = Build.v1();
  static final Build V2 = Build.v2();

  @TempDir Path tmp;
  DataDir data;
  Path game;
  Installer installer;

  @BeforeEach
  void setUp() throws IOException {
    data = DataDir.open(tmp.resolve("data"));
    Files.createDirectories(tmp.resolve("games"));
    game = tmp.resolve("games").resolve("game");
    installer = new Installer(data, game, "game", "live");
  }

  Build.Counting fullPack(Build b) throws Exception {
    PackLayout layout = PackLayout.full(b.manifest);
    Path pack = b.writePack(tmp.resolve("full-" + b.manifest.version() + ".pack"), layout);
    return new Build.Counting(ChunkSource.fromPack(pack, layout, Build.KEY));
  }

  Build.Counting deltaPack(Build from, Build to) throws Exception {
    PackLayout layout = PackLayout.delta(from.manifest, to.manifest);
    Path pack =
        to.writePack(
            tmp.resolve("delta-" + from.manifest.version() + "-" + to.manifest.version()), layout);
    return new Build.Counting(ChunkSource.fromPack(pack, layout, Build.KEY));
  }

  /**
   * A patched delta: the changed chunks of a.pak as patches against the old ones (or, {@code
   * wrong}, made against the new chunk itself, so that applying them to the old ones gives other
   * bytes).
   */
  record Patched(Build.Counting source, List<PatchEntry> patches) {}

  Patched patchedDelta(Build from, Build to, boolean wrong) throws Exception {
    FileEntry oldA = file(from, "data/a.pak");
    FileEntry newA = file(to, "data/a.pak");
    int[][] bases =
        PatchBases.of(oldA.chunkIds(), sizes(from, oldA), newA.chunkIds(), sizes(to, newA));
    Map<String, byte[]> patchBytes = new HashMap<>();
    List<PatchEntry> patches = new ArrayList<>();
    for (int k = 0; k < bases.length; k++) {
      if (bases[k] == null) {
        continue;
      }
      List<String> baseIds = oldA.chunkIds().subList(bases[k][0], bases[k][1]);
      java.io.ByteArrayOutputStream dict = new java.io.ByteArrayOutputStream();
      for (String id : baseIds) {
        dict.write(from.chunks.get(id));
      }
      byte[] target = to.chunks.get(newA.chunkIds().get(k));
      byte[] d = wrong ? target : dict.toByteArray();
      byte[] patch = ChunkPatch.create(d, d.length, target, 0, target.length, 3);
      String id = Build.sha(patch);
      patchBytes.put(id, patch);
      patches.add(new PatchEntry(id, patch.length, newA.chunkIds().get(k), baseIds));
    }
    assertThat(patches).isNotEmpty();
    Set<String> patched = new java.util.HashSet<>();
    patches.forEach(p -> patched.add(p.chunkId()));
    List<ChunkEntry> whole =
        to.manifest.chunks().stream()
            .filter(c -> PackLayout.delta(from.manifest, to.manifest).chunkIds().contains(c.id()))
            .filter(c -> !patched.contains(c.id()))
            .toList();
    PackLayout layout = PackLayout.of(whole, patches);
    ChunkCipher cipher = new ChunkCipher(Build.KEY);
    Path pack = tmp.resolve("patched-" + to.manifest.version());
    PackWriter.write(
        layout,
        id ->
            patchBytes.containsKey(id)
                ? cipher.encrypt(id, patchBytes.get(id))
                : cipher.encrypt(id, to.chunks.get(id)),
        pack,
        PackLayout.pieceLengthFor(layout.totalSize()));
    return new Patched(new Build.Counting(ChunkSource.fromPack(pack, layout, Build.KEY)), patches);
  }

  private static FileEntry file(Build b, String path) {
    return b.manifest.files().stream().filter(f -> f.path().equals(path)).findFirst().orElseThrow();
  }

  private static long[] sizes(Build b, FileEntry f) {
    return f.chunkIds().stream().mapToLong(id -> b.chunks.get(id).length).toArray();
  }

  @Test
  void aPatchedDeltaRebuildsChangedChunksFromTheInstalledOnes() throws Exception {
    installer.install(V1.manifest, fullPack(V1));
    Patched delta = patchedDelta(V1, V2, false);
    try (Build.Counting source = delta.source()) {
      installer.install(V2.manifest, source, delta.patches());
      for (PatchEntry p : delta.patches()) {
        assertThat(source.asked).contains(p.id()).doesNotContain(p.chunkId());
      }
    }
    assertThat(V2.matches(game)).isTrue();
    assertThat(installer.verify()).isEmpty();
    assertClean();
  }

  @Test
  void aDamagedBaseChunkOrAWrongPatchFailsTheUpdateAndLeavesTheInstallAsItWas() throws Exception {
    installer.install(V1.manifest, fullPack(V1));
    // A patch made against other bytes than the base chunks it names: the result's SHA-256 fails.
    Patched wrong = patchedDelta(V1, V2, true);
    assertThatThrownBy(() -> installer.install(V2.manifest, wrong.source(), wrong.patches()))
        .isInstanceOf(InstallException.class)
        .hasMessageContaining("does not match its id")
        .extracting(e -> ((InstallException) e).code())
        .isEqualTo(InstallException.Code.INTEGRITY);
    assertThat(V1.matches(game)).isTrue();

    // The installed base chunk damaged: nothing to apply the patch to.
    Patched delta = patchedDelta(V1, V2, false);
    String base = delta.patches().get(0).baseChunkIds().get(0);
    long offset = 0;
    for (String id : file(V1, "data/a.pak").chunkIds()) {
      if (id.equals(base)) {
        break;
      }
      offset += V1.chunks.get(id).length;
    }
    Path a = game.resolve("data/a.pak");
    byte[] bytes = Files.readAllBytes(a);
    bytes[(int) offset + 100] ^= 0x5a;
    Files.write(a, bytes);
    assertThatThrownBy(() -> installer.install(V2.manifest, delta.source(), delta.patches()))
        .isInstanceOf(InstallException.class)
        .hasMessageContaining("of its patch is not intact in the install");
    assertThat(installer.installed().orElseThrow().version()).isEqualTo(1);
    assertClean();
  }

  void assertClean() {
    try (var s = Files.list(tmp.resolve("games"))) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).allMatch("game"::equals);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    assertThat(installer.journalFile()).doesNotExist();
  }

  @Test
  void freshInstallFromFullPackThenUpdateThroughDeltaAskingOnlyForChangedChunks() throws Exception {
    try (Build.Counting full = fullPack(V1)) {
      installer.install(V1.manifest, full);
      assertThat(full.asked).isEqualTo(V1.chunks.keySet());
    }
    assertThat(V1.matches(game)).isTrue();
    assertThat(installer.installed().orElseThrow().version()).isEqualTo(1);
    assertThat(installer.verify()).isEmpty();
    assertClean();

    Set<String> changed = Set.copyOf(PackLayout.delta(V1.manifest, V2.manifest).chunkIds());
    assertThat(changed).isNotEmpty().hasSizeLessThan(V2.chunks.size());
    try (Build.Counting delta = deltaPack(V1, V2)) {
      installer.install(V2.manifest, delta);
      assertThat(delta.asked).isEqualTo(changed);
    }
    assertThat(V2.matches(game)).isTrue();
    assertThat(Files.getPosixFilePermissions(game.resolve("bin/game")))
        .isEqualTo(FileModes.permissions(0750));
    assertThat(installer.installed().orElseThrow()).isEqualTo(V2.manifest);
    assertThat(installer.verify()).isEmpty();
    assertClean();
  }

  @Test
  void rollbackToOlderContentUnderAHigherVersionIsAnOrdinaryUpdate() throws Exception {
    installer.install(V1.manifest, fullPack(V1));
    installer.install(V2.manifest, deltaPack(V1, V2));
    Build v3 = V1.withVersion(3);
    try (Build.Counting delta = deltaPack(V2, v3)) {
      installer.install(v3.manifest, delta);
      assertThat(delta.asked)
          .isEqualTo(Set.copyOf(PackLayout.delta(V2.manifest, v3.manifest).chunkIds()));
    }
    assertThat(v3.matches(game)).isTrue();
    assertThat(installer.installed().orElseThrow().version()).isEqualTo(3);
    assertClean();
  }

  @Test
  void repairRefetchesOnlyTheChunksOfDamagedFiles() throws Exception {
    installer.install(V1.manifest, fullPack(V1));
    Path a = game.resolve("data/a.pak");
    byte[] bytes = Files.readAllBytes(a);
    bytes[1_234_567] ^= 0x5a;
    Files.write(a, bytes);
    Files.delete(game.resolve("readme.txt"));

    assertThat(installer.verify())
        .containsExactlyInAnyOrder(
            new FileProblem("data/a.pak", FileProblem.Kind.WRONG),
            new FileProblem("readme.txt", FileProblem.Kind.MISSING));
    try (Build.Counting full = fullPack(V1)) {
      assertThat(installer.repair(full)).hasSize(2);
      assertThat(full.asked).isEqualTo(V1.chunkIdsOf("data/a.pak", "readme.txt"));
    }
    assertThat(installer.verify()).isEmpty();
    assertThat(V1.matches(game)).isTrue();
    assertClean();
  }

  @Test
  void sourceReturningWrongBytesIsRefusedWithIntegrityAndOldVersionUntouched() throws Exception {
    installer.install(V1.manifest, fullPack(V1));
    String victim = PackLayout.delta(V1.manifest, V2.manifest).chunkIds().get(0);
    ChunkSource lying =
        id -> {
          byte[] b = V2.chunks.get(id).clone();
          if (id.equals(victim)) {
            b[b.length / 2] ^= 1;
          }
          return b;
        };
    assertThatThrownBy(() -> installer.install(V2.manifest, lying))
        .isInstanceOfSatisfying(
            InstallException.class,
            e -> {
              assertThat(e.code()).isEqualTo(InstallException.Code.INTEGRITY);
              assertThat(e.retryable()).isFalse();
              assertThat(e.getMessage()).contains(victim);
            });
    assertThat(V1.matches(game)).isTrue();
    assertThat(installer.installed().orElseThrow().version()).isEqualTo(1);
    assertClean();
  }

  @Test
  void packUnderTheWrongKeyIsRefusedWithIntegrity() throws Exception {
    PackLayout layout = PackLayout.full(V1.manifest);
    Path pack = V1.writePack(tmp.resolve("p"), layout);
    byte[] wrongKey = Build.KEY.clone();
    wrongKey[0] ^= 1;
    try (ChunkSource src = ChunkSource.fromPack(pack, layout, wrongKey)) {
      assertThatThrownBy(() -> installer.install(V1.manifest, src))
          .isInstanceOfSatisfying(
              InstallException.class,
              e -> assertThat(e.code()).isEqualTo(InstallException.Code.INTEGRITY));
    }
    assertThat(game).doesNotExist();
    assertThat(installer.installed()).isEmpty();
    assertClean();
  }

  @Test
  void pathsEscapingTheInstallDirectoryAreRefused() throws Exception {
    Path root = tmp.resolve("root");
    for (String bad :
        List.of(
            "../x",
            "a/../../x",
            "a/..",
            "/etc/passwd",
            "a\\..\\..\\b",
            "C:/x",
            "a//b",
            ".",
            "",
            "a/./b")) {
      assertThatThrownBy(() -> Installer.resolveInside(root, bad))
          .as(bad)
          .isInstanceOfSatisfying(
              InstallException.class,
              e -> assertThat(e.code()).isEqualTo(InstallException.Code.UNSAFE_PATH));
    }
    assertThat(Installer.resolveInside(root, "a/b.pak")).isEqualTo(root.resolve("a/b.pak"));
  }

  @Test
  void symlinkInTheCurrentInstallIsNotFollowedForChunkReuse() throws Exception {
    installer.install(V1.manifest, fullPack(V1));
    Path outside = tmp.resolve("outside.pak");
    Files.move(game.resolve("data/a.pak"), outside);
    Files.createSymbolicLink(game.resolve("data/a.pak"), outside);
    try (Build.Counting full = fullPack(V2)) {
      installer.install(V2.manifest, full);
      // Every a.pak chunk came from the source, none through the link.
      assertThat(full.asked).containsAll(V2.chunkIdsOf("data/a.pak"));
    }
    assertThat(V2.matches(game)).isTrue();
  }

  @Test
  void pathTooLongIsReportedAsSuchAndOldVersionUntouched() throws Exception {
    installer.install(V1.manifest, fullPack(V1));
    Build longName = new Build(2, Map.of("d/" + "x".repeat(300), "long".getBytes()), Map.of());
    assertThatThrownBy(() -> installer.install(longName.manifest, longName.chunks::get))
        .isInstanceOfSatisfying(
            InstallException.class,
            e -> {
              assertThat(e.code()).isEqualTo(InstallException.Code.PATH_TOO_LONG);
              assertThat(e.retryable()).isFalse();
            });
    assertThat(V1.matches(game)).isTrue();
    assertClean();
  }

  @Test
  void diskFullIsClassifiedRetryable() {
    InstallException e =
        InstallException.fromIo(
            "write", new FileSystemException("/x/y", null, "No space left on device"));
    assertThat(e.code()).isEqualTo(InstallException.Code.DISK_FULL);
    assertThat(e.retryable()).isTrue();
    assertThat(InstallException.fromIo("w", new IOException("No space left on device")).code())
        .isEqualTo(InstallException.Code.DISK_FULL);
    assertThat(InstallException.fromIo("w", new IOException("Input/output error")).code())
        .isEqualTo(InstallException.Code.IO);
  }

  @Test
  void releaseOfAnotherProductIsRefused() {
    Installer other = new Installer(data, game, "other", "live");
    assertThatThrownBy(() -> other.install(V1.manifest, V1.chunks::get))
        .isInstanceOfSatisfying(
            InstallException.class,
            e -> assertThat(e.code()).isEqualTo(InstallException.Code.SIGNATURE));
  }

  /** v2 with only the readme changed: every other file keeps its content and mode. */
  static Build readmeOnly() {
    Map<String, byte[]> files = new java.util.HashMap<>(V2.files);
    files.put("readme.txt", "hello v3\n".getBytes());
    return new Build(3, files, V2.modes);
  }

  static Object fileKey(Path p) throws IOException {
    return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
  }

  @Test
  void updateWritesOnlyChangedFilesAndLeavesUnchangedAndPlayerFilesAlone() throws Exception {
    installer.install(V1.manifest, fullPack(V1));
    installer.install(V2.manifest, deltaPack(V1, V2));
    Path save = game.resolve("saves/slot1.sav");
    Files.createDirectories(save.getParent());
    Files.writeString(save, "player's own");
    Path beside = tmp.resolve("games/notes.txt");
    Files.writeString(beside, "also the player's");
    Build v3 = readmeOnly();
    Map<String, Object> keys = new java.util.HashMap<>();
    Map<String, java.nio.file.attribute.FileTime> times = new java.util.HashMap<>();
    for (String f : List.of("bin/game", "data/a.pak", "data/c.pak", "data/empty")) {
      keys.put(f, fileKey(game.resolve(f)));
      times.put(f, Files.getLastModifiedTime(game.resolve(f)));
    }

    UpdatePlan plan = installer.plan(v3.manifest, V2.manifest);
    assertThat(plan.inPlace()).isTrue();
    assertThat(plan.changed())
        .extracting(i -> v3.manifest.files().get(i).path())
        .containsExactly("readme.txt");
    assertThat(plan.deleted()).isEmpty();
    assertThat(plan.bytesToWrite(v3.manifest)).isEqualTo("hello v3\n".length());
    try (Build.Counting full = fullPack(v3)) {
      installer.install(v3.manifest, full);
      assertThat(full.asked).isEqualTo(v3.chunkIdsOf("readme.txt"));
    }

    assertThat(v3.matches(game, Set.of("saves/slot1.sav"))).isTrue();
    for (var e : keys.entrySet()) {
      Path f = game.resolve(e.getKey());
      assertThat(fileKey(f)).as(e.getKey() + " not rewritten").isEqualTo(e.getValue());
      assertThat(Files.getLastModifiedTime(f)).as(e.getKey()).isEqualTo(times.get(e.getKey()));
    }
    assertThat(Files.readString(save)).isEqualTo("player's own");
    assertThat(Files.readString(beside)).isEqualTo("also the player's");
    assertThat(installer.installed().orElseThrow()).isEqualTo(v3.manifest);
    assertThat(installer.verify()).isEmpty();
    assertThat(installer.workDir(3)).doesNotExist();
  }

  @Test
  void updateRemovesDeletedFilesAndTheirEmptyDirectoriesButNotThePlayersFiles() throws Exception {
    Map<String, byte[]> files = new java.util.HashMap<>(V1.files);
    files.put("mods/old/one.pak", Build.random(10_000, 9));
    files.put("maps/keep.map", Build.random(10_000, 10));
    Build withMods = new Build(1, files, V1.modes);
    installer.install(withMods.manifest, withMods.chunks::get);
    Path mine = game.resolve("maps/mine.map");
    Files.writeString(mine, "player's map");
    files.remove("mods/old/one.pak");
    files.remove("maps/keep.map");
    Build without = new Build(2, files, V1.modes);

    installer.install(without.manifest, without.chunks::get);

    assertThat(without.matches(game, Set.of("maps/mine.map"))).isTrue();
    assertThat(game.resolve("mods")).doesNotExist();
    assertThat(Files.readString(mine)).isEqualTo("player's map");
    assertThat(installer.verify()).isEmpty();
    assertClean();
  }

  @Test
  void freshInstallIntoAnExistingDirectoryKeepsThePlayersFiles() throws Exception {
    Files.createDirectories(game);
    Files.writeString(game.resolve("readme.txt.bak"), "mine");
    installer.install(V1.manifest, fullPack(V1));
    assertThat(V1.matches(game, Set.of("readme.txt.bak"))).isTrue();
    assertThat(Files.readString(game.resolve("readme.txt.bak"))).isEqualTo("mine");
    assertClean();
  }

  @Test
  void notEnoughSpaceIsRefusedBeforeAnythingIsWrittenSayingHowMuchIsNeeded() throws Exception {
    long v1Bytes = V1.manifest.files().stream().mapToLong(f -> f.size()).sum();
    Installer full = new Installer(data, game, "game", "live", store -> 400_000);
    assertThatThrownBy(() -> full.install(V1.manifest, fullPack(V1)))
        .isInstanceOfSatisfying(
            InstallException.class,
            e -> {
              assertThat(e.code()).isEqualTo(InstallException.Code.DISK_FULL);
              assertThat(e.retryable()).isTrue();
              assertThat(e.getMessage())
                  .contains(
                      "needs "
                          + DiskSpace.humanBytes(v1Bytes)
                          + " free on "
                          + game.getParent()
                          + ", 0.4 MB free");
            });
    assertThat(game).doesNotExist();
    assertThat(installer.journalFile()).doesNotExist();
  }

  @Test
  void spaceNeededForAnUpdateIsTheChangedFilesPlusWhatIsLeftToDownload() throws Exception {
    installer.install(V1.manifest, fullPack(V1));
    installer.install(V2.manifest, deltaPack(V1, V2));
    Build v3 = readmeOnly();
    long changed = installer.plan(v3.manifest, V2.manifest).bytesToWrite(v3.manifest);
    // Only the readme is written and counted, not the unchanged megabytes.
    assertThat(changed).isEqualTo("hello v3\n".length());
    Path cache = Files.createDirectories(tmp.resolve("cache"));
    Path pack = cache.resolve("p.pack");
    Files.write(pack, new byte[1_000_000]); // a partial download already there
    long packBytes = 3_000_000;
    long needed = changed + packBytes - 1_000_000;

    Installer roomy = new Installer(data, game, "game", "live", store -> needed);
    roomy.requireSpace(v3.manifest, pack, packBytes);
    Installer tight = new Installer(data, game, "game", "live", store -> needed - 1);
    assertThatThrownBy(() -> tight.requireSpace(v3.manifest, pack, packBytes))
        .isInstanceOfSatisfying(
            InstallException.class,
            e -> {
              assertThat(e.code()).isEqualTo(InstallException.Code.DISK_FULL);
              assertThat(e.getMessage()).contains("needs " + DiskSpace.humanBytes(needed));
            });
    assertThat(V2.matches(game)).isTrue();
  }

  @Test
  void sizesAreShownInMegabytesOrGigabytes() {
    assertThat(DiskSpace.humanBytes(1_200_000_000L)).isEqualTo("1.2 GB");
    assertThat(DiskSpace.humanBytes(400_000_000L)).isEqualTo("0.4 GB");
    assertThat(DiskSpace.humanBytes(4_300_000L)).isEqualTo("4.3 MB");
  }
}
