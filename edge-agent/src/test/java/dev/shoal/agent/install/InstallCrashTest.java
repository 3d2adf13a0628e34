package dev.shoal.agent.install;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.fs.DataDir;
import dev.shoal.protocol.pack.PackLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM updating v1 to v2 at numbered step boundaries ({@code SHOAL_CRASH_AT}, {@code
 * Runtime.halt}) and at random moments ({@code destroyForcibly}, SIGKILL), then recovers in this
 * JVM: the install directory must hold exactly v1 or exactly v2 (building the changed files, each
 * file's switch, the deleted file, the clean-up), the player's own files beside the game and inside
 * its directory must be untouched, and a later install must work.
 */
class InstallCrashTest {
  static final Build V1 = Build.v1();
  static final Build V2 = Build.v2();
  static final String SAVE = "saves/slot1.sav";
  static final String BESIDE = "notes.txt";

  @TempDir static Path shared;
  static Path v1Pack;
  static Path v2Pack;
  static Path v2Manifest;

  @BeforeAll
  static void packs() throws IOException {
    packs(shared);
  }

  /** Writes the packs and the v2 manifest the children install from into {@code dir}. */
  static void packs(Path dir) throws IOException {
    v1Pack = V1.writePack(dir.resolve("v1.pack"), PackLayout.full(V1.manifest));
    v2Pack = V2.writePack(dir.resolve("v2.pack"), PackLayout.full(V2.manifest));
    v2Manifest = V2.writeManifest(dir.resolve("v2.manifest"));
  }

  record Setup(DataDir data, Path game) {
    Installer installer() {
      return new Installer(data, game, "game", "live");
    }
  }

  /** A data dir and install dir with v1 installed. */
  Setup withV1(Path dir) throws Exception {
    DataDir data = DataDir.open(dir.resolve("data"));
    Files.createDirectories(dir.resolve("games"));
    Setup s = new Setup(data, dir.resolve("games").resolve("game"));
    try (ChunkSource src = ChunkSource.fromPack(v1Pack, PackLayout.full(V1.manifest), Build.KEY)) {
      s.installer().install(V1.manifest, src);
    }
    Path save = s.game().resolve(SAVE);
    Files.createDirectories(save.getParent());
    Files.writeString(save, "player's save");
    Files.writeString(s.game().resolveSibling(BESIDE), "player's notes");
    return s;
  }

  Process child(Setup s, Long crashAt) throws IOException {
    return child(s, crashAt, "install");
  }

  Process child(Setup s, Long crashAt, String mode) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                InstallChild.class.getName(),
                s.data().root().toString(),
                s.game().toString(),
                v2Manifest.toString(),
                v2Pack.toString(),
                mode)
            .redirectErrorStream(true);
    pb.environment().remove("SHOAL_CRASH_AT");
    if (crashAt != null) {
      pb.environment().put("SHOAL_CRASH_AT", Long.toString(crashAt));
    }
    return pb.start();
  }

  /** Runs a child to completion (or to its crash point) and returns its exit code. */
  int run(Process c) throws Exception {
    c.getInputStream().readAllBytes();
    return c.waitFor();
  }

  @Test
  void crashDuringRecoveryIsRecoveredToo(@TempDir Path tmp) throws Exception {
    // Updates interrupted while building the changed files (5), right after STAGED (13), between
    // the two renames of a changed file (14), after a new file is in (17), after the deleted file
    // is put aside (21), after the state is written (22) and while deleting the old files (25)
    // (step numbers of InstallChild as the other test counts them); each recovery is itself killed
    // at its first steps, then recovered again here.
    int interrupted = 0;
    for (long n : List.of(5L, 13L, 14L, 17L, 21L, 22L, 25L)) {
      for (long m = 1; m <= 3; m++) {
        Setup s = withV1(tmp.resolve("r-" + n + "-" + m));
        assertThat(run(child(s, n))).isEqualTo(137);
        int code = run(child(s, m, "recover"));
        assertThat(code).as("recovery crash " + n + "/" + m).isIn(0, 137);
        interrupted += code == 137 ? 1 : 0;
        recoverAndCheck(s, "install crash at " + n + ", recovery crash at " + m);
      }
    }
    // Some recoveries really were interrupted, so the check above is not vacuous.
    assertThat(interrupted).isGreaterThanOrEqualTo(5);
  }

  /**
   * Recovers, checks "exactly v1 or exactly v2", then installs v2 and checks it. Returns 1 or 2.
   */
  int recoverAndCheck(Setup s, String what) throws Exception {
    Installer installer = s.installer();
    installer.recover();
    boolean isV1 = V1.matches(s.game(), Set.of(SAVE));
    boolean isV2 = V2.matches(s.game(), Set.of(SAVE));
    assertThat(isV1 || isV2).as(what + ": install dir is exactly v1 or exactly v2").isTrue();
    long recorded = installer.installed().orElseThrow().version();
    assertThat(recorded).as(what + ": recorded version").isEqualTo(isV2 ? 2 : 1);
    assertThat(installer.verify()).as(what).isEmpty();
    try (var list = Files.list(s.game().getParent())) {
      assertThat(list.map(p -> p.getFileName().toString()).toList())
          .as(what)
          .containsExactlyInAnyOrder("game", BESIDE);
    }
    assertPlayersFilesUntouched(s, what);
    assertThat(installer.journalFile()).as(what).doesNotExist();

    try (ChunkSource src = ChunkSource.fromPack(v2Pack, PackLayout.full(V2.manifest), Build.KEY)) {
      installer.install(V2.manifest, src);
    }
    assertThat(V2.matches(s.game(), Set.of(SAVE))).as(what + ": following install").isTrue();
    assertPlayersFilesUntouched(s, what + ": following install");
    return isV2 ? 2 : 1;
  }

  static void assertPlayersFilesUntouched(Setup s, String what) throws IOException {
    assertThat(Files.readString(s.game().resolve(SAVE))).as(what).isEqualTo("player's save");
    assertThat(Files.readString(s.game().resolveSibling(BESIDE)))
        .as(what)
        .isEqualTo("player's notes");
  }

  @Test
  void newFileDamagedAfterACrashMidSwitchRollsBackToTheOldVersion(@TempDir Path tmp)
      throws Exception {
    // Crashed between the two renames of the first changed file: some new files still wait in the
    // work directory. One of them is damaged before recovery, so recovery cannot complete the
    // update and must put every old file back.
    Setup s = withV1(tmp.resolve("damaged"));
    assertThat(run(child(s, 14L))).isEqualTo(137);
    Path work = s.installer().workDir(2);
    Path waiting;
    try (var built = Files.list(work)) {
      waiting =
          built
              .filter(p -> p.getFileName().toString().startsWith("new-"))
              .filter(p -> !Files.isDirectory(p))
              .max(java.util.Comparator.comparing(p -> p.getFileName().toString()))
              .orElseThrow();
    }
    byte[] b = Files.readAllBytes(waiting);
    b[b.length / 2] ^= 1;
    Files.write(waiting, b);

    assertThat(s.installer().recover()).isEqualTo(Installer.Recovery.ROLLED_BACK);
    assertThat(V1.matches(s.game(), Set.of(SAVE))).isTrue();
    assertThat(work).doesNotExist();
    assertThat(recoverAndCheck(s, "damaged new file")).isEqualTo(1);
  }

  @Test
  void crashAtNumberedStepsAndRandomKillsLeaveOldOrNewNeverAMix(@TempDir Path tmp)
      throws Exception {
    crashAtNumberedStepsAndRandomKills(tmp);
  }

  /** Returns what the uninterrupted child printed ({@code steps=… cloned=…}). */
  String crashAtNumberedStepsAndRandomKills(Path tmp) throws Exception {
    // Baseline: an uninterrupted child run, counting its step boundaries.
    Setup base = withV1(tmp.resolve("base"));
    long started = System.nanoTime();
    Process p = child(base, 0L);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    long runMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(V2.matches(base.game(), Set.of(SAVE))).isTrue();
    long steps = Long.parseLong(out.replaceAll("(?s).*steps=(\\d+).*", "$1"));
    assertThat(steps).isGreaterThanOrEqualTo(20);

    TreeSet<Long> positions = new TreeSet<>();
    // Every step boundary when there are at most 40, else 40 spread over the run.
    long wanted = Math.min(steps, 40);
    for (int i = 0; i < wanted; i++) {
      positions.add(1 + Math.round((double) i * (steps - 1) / (wanted - 1)));
    }
    assertThat(positions).hasSizeGreaterThanOrEqualTo(20);
    List<Integer> outcomes = new ArrayList<>();
    for (long n : positions) {
      Setup s = withV1(tmp.resolve("crash-" + n));
      Process c = child(s, n);
      String o = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(c.waitFor()).as("crash at " + n + ": " + o).isEqualTo(137);
      outcomes.add(recoverAndCheck(s, "crash at step " + n + "/" + steps));
    }
    System.out.println(
        "InstallCrashTest: crashed at steps "
            + positions
            + " of "
            + steps
            + ", outcomes "
            + outcomes);
    // The positions straddle the switch: some crashes roll back, later ones complete.
    assertThat(outcomes).contains(1, 2);
    assertThat(outcomes.get(0)).isEqualTo(1);
    assertThat(outcomes.get(outcomes.size() - 1)).isEqualTo(2);

    Random random = new Random(42);
    for (int i = 0; i < 4; i++) {
      Setup s = withV1(tmp.resolve("kill-" + i));
      Process c = child(s, null);
      Thread.sleep(random.nextInt((int) Math.max(1, runMillis)));
      c.destroyForcibly();
      c.waitFor();
      recoverAndCheck(s, "random kill " + i);
    }
    return out;
  }
}
