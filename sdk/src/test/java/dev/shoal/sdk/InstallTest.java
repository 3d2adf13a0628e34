package dev.shoal.sdk;

import static dev.shoal.testsupport.GameBuilds.files;
import static dev.shoal.testsupport.GameBuilds.siblings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.testkit.AgentFixture;
import dev.shoal.testsupport.GameBuilds;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The SDK installs through a real agent from a real control plane: progress and events, update
 * through a delta, verify and repair, pause/resume, cancel, priorities, and the end of the wait
 * when the agent restarts.
 */
class InstallTest extends StudioAndAgentTest {
  private void enrolAndEntitle() {
    Enrolment e = shoal.enrol(URI.create(controlPlane.baseUrl()), studio.organisation());
    assertThat(e.enrolled()).isTrue();
    studio.entitle("game", e.deviceId());
  }

  private static InstallProgress until(InstallHandle h, Predicate<InstallProgress> wanted) {
    Awaitility.await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> wanted.test(h.progress()) || h.isDone());
    InstallProgress p = h.progress();
    assertThat(wanted.test(p)).as("reached: %s", p).isTrue();
    return p;
  }

  @Test
  void installsWithProgressEventsThenUpdatesThroughADeltaThenVerifiesAndRepairs() throws Exception {
    Map<String, byte[]> v1 = GameBuilds.build(1, 3_000_000);
    studio.publish("game", "live", v1, "1.0");
    Enrolment before = shoal.enrolment();
    assertThat(before.enrolled()).isFalse();
    assertThat(before.deviceId()).isEqualTo(agent.deviceId());
    enrolAndEntitle();
    Enrolment after = shoal.enrolment();
    assertThat(after.enrolled()).isTrue();
    assertThat(after.organisation()).isEqualTo(studio.organisation());
    assertThat(after.controlPlane().getPort()).isEqualTo(controlPlane.port());

    Path dir = temp.resolve("games/game");
    Files.createDirectories(dir.getParent());
    ExecutorService ui = Executors.newSingleThreadExecutor(r -> new Thread(r, "launcher-ui"));
    List<InstallProgress> seen = new CopyOnWriteArrayList<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    try {
      InstallHandle install = shoal.install("game", "live", dir);
      assertThat(install.progress().product()).isEqualTo("game");
      assertThat(install.progress().directory()).isEqualTo(dir);
      install.onProgress(
          p -> {
            threads.add(Thread.currentThread().getName());
            seen.add(p);
          },
          ui);
      InstallProgress done = install.await(TIMEOUT);

      assertThat(done.state()).isEqualTo(InstallState.COMPLETED);
      assertThat(done.targetVersion()).isEqualTo(1);
      assertThat(done.installedVersion()).isEqualTo(1);
      assertThat(done.targetDisplayVersion()).isEqualTo("1.0");
      assertThat(done.packKind()).isEqualTo(PackKind.FULL);
      assertThat(done.bytesTotal()).isGreaterThan(3_000_000);
      assertThat(done.fraction()).isEqualTo(1.0);
      // No consent to peers: all from the origin, and the health says why.
      assertThat(done.bytesFromOrigin()).isGreaterThan(0);
      assertThat(done.bytesFromPeers()).isZero();
      assertThat(done.fromPeersShare()).isZero();
      assertThat(done.error()).isNull();
      assertThat(files(dir)).containsExactlyInAnyOrderEntriesOf(v1);
      assertThat(install.isDone()).isTrue();
      assertThat(install.completion().get()).isEqualTo(done);
      assertThat(shoal.installs()).extracting(InstallProgress::id).contains(install.id());
      assertThat(shoal.status().installs()).extracting(InstallProgress::id).contains(install.id());

      // Events: on the launcher's executor, in order, ending with the final snapshot.
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> !seen.isEmpty() && seen.get(seen.size() - 1).isFinal());
      assertThat(threads).allMatch("launcher-ui"::equals);
      assertThat(seen.get(seen.size() - 1)).isEqualTo(done);
      assertThat(seen.subList(0, seen.size() - 1)).noneMatch(InstallProgress::isFinal);
      // In order (without a pause the states only move forward) and only changes.
      assertThat(seen).extracting(InstallProgress::state).isSorted();
      for (int i = 1; i < seen.size(); i++) {
        assertThat(seen.get(i)).isNotEqualTo(seen.get(i - 1));
      }
      long full = done.bytesTotal();

      // A second release with one file changed: updated through a delta pack.
      Map<String, byte[]> v2 = new TreeMap<>(v1);
      v2.put("config/settings.ini", "volume=3\nfullscreen=0\n".getBytes());
      studio.publish("game", "live", v2, "1.1");
      InstallHandle update = shoal.install(InstallRequest.of("game", "live", dir));
      assertThat(update).isNotSameAs(install);
      InstallProgress updated = update.await(TIMEOUT);
      assertThat(updated.state()).isEqualTo(InstallState.COMPLETED);
      assertThat(updated.installedVersion()).isEqualTo(2);
      assertThat(updated.targetDisplayVersion()).isEqualTo("1.1");
      assertThat(updated.packKind()).isEqualTo(PackKind.DELTA);
      assertThat(updated.bytesTotal()).isLessThan(full / 10);
      assertThat(files(dir)).containsExactlyInAnyOrderEntriesOf(v2);
      assertThat(siblings(dir)).as("no staging or old directory left").containsExactly("game");

      // Up to date: installing again only checks.
      InstallProgress check = shoal.install("game", "live", dir).await(TIMEOUT);
      assertThat(check.state()).isEqualTo(InstallState.COMPLETED);
      assertThat(check.installedVersion()).isEqualTo(2);

      // Verify finds a flipped byte and a deleted file; repair brings them back.
      assertThat(update.verify().intact()).isTrue();
      try (RandomAccessFile f =
          new RandomAccessFile(dir.resolve("data/levels.pak").toFile(), "rw")) {
        f.seek(1000);
        int b = f.read();
        f.seek(1000);
        f.write(b ^ 0xff);
      }
      Files.delete(dir.resolve("readme.txt"));
      Verification damaged = update.verify();
      assertThat(damaged.intact()).isFalse();
      assertThat(damaged.problems())
          .containsExactlyInAnyOrder(
              new Verification.FileProblem("data/levels.pak", Verification.Kind.WRONG),
              new Verification.FileProblem("readme.txt", Verification.Kind.MISSING));
      InstallHandle repair = update.repair();
      assertThat(repair.id()).isNotEqualTo(update.id());
      assertThat(repair.await(TIMEOUT).state()).isEqualTo(InstallState.COMPLETED);
      assertThat(files(dir)).containsExactlyInAnyOrderEntriesOf(v2);
      assertThat(update.verify().intact()).isTrue();
    } finally {
      ui.shutdownNow();
    }
  }

  @Test
  void pauseStopsTheDownloadAndResumeFinishesIt() throws Exception {
    Map<String, byte[]> v1 = GameBuilds.build(1, 4_000_000);
    studio.publish("game", "live", v1, "1.0");
    enrolAndEntitle();
    shoal.setLimits(shoal.limits().withDownloadCap(500_000));
    Path dir = temp.resolve("paused");

    InstallHandle install = shoal.install("game", "live", dir);
    until(install, p -> p.state() == InstallState.DOWNLOADING && p.bytesFromOrigin() > 0);
    InstallProgress paused = install.pause();
    assertThat(paused.state()).isEqualTo(InstallState.PAUSED);
    Thread.sleep(1000); // let the closed download's last bytes be counted
    InstallProgress a = install.refresh();
    Thread.sleep(2500);
    InstallProgress b = install.refresh();
    assertThat(b.state()).isEqualTo(InstallState.PAUSED);
    assertThat(b.bytesFromOrigin() + b.bytesFromPeers())
        .as("no byte downloaded while paused")
        .isEqualTo(a.bytesFromOrigin() + a.bytesFromPeers())
        .isLessThan(b.bytesTotal());
    assertThat(b.bytesPerSecond()).isZero();
    assertThat(install.isDone()).isFalse();
    assertThat(dir).doesNotExist();

    install.resume();
    shoal.setLimits(shoal.limits().withDownloadCap(0));
    InstallProgress done = install.await(TIMEOUT);
    assertThat(done.state()).isEqualTo(InstallState.COMPLETED);
    assertThat(done.bytesFromOrigin()).isGreaterThan(b.bytesFromOrigin());
    assertThat(files(dir)).containsExactlyInAnyOrderEntriesOf(v1);
  }

  @Test
  void cancelLeavesTheInstalledVersionUntouched() throws Exception {
    Map<String, byte[]> v1 = GameBuilds.build(1, 3_000_000);
    studio.publish("game", "live", v1, "1.0");
    enrolAndEntitle();
    Path dir = temp.resolve("games/game");
    Files.createDirectories(dir.getParent());
    assertThat(shoal.install("game", "live", dir).await(TIMEOUT).state())
        .isEqualTo(InstallState.COMPLETED);

    Map<String, byte[]> v2 = new TreeMap<>(v1);
    v2.put("data/levels.pak", GameBuilds.bytes(99, 1_500_000)); // a delta of 1.5 MB
    studio.publish("game", "live", v2, "2.0");
    shoal.setLimits(shoal.limits().withDownloadCap(200_000));
    InstallHandle update = shoal.install("game", "live", dir);
    until(update, p -> p.state() == InstallState.DOWNLOADING && p.bytesFromOrigin() > 0);
    update.cancel();

    assertFails(ErrorCode.CANCELLED, false, () -> update.await(TIMEOUT));
    assertThat(update.progress().state()).isEqualTo(InstallState.CANCELLED);
    assertThat(update.progress().packKind()).isEqualTo(PackKind.DELTA);
    assertThat(files(dir)).containsExactlyInAnyOrderEntriesOf(v1);
    assertThat(siblings(dir)).containsExactly("game");
    assertThat(update.completion())
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableThat()
        .havingCause()
        .isInstanceOf(ShoalException.class);
  }

  @Test
  void aBackgroundInstallWaitsForTheForegroundOne() throws Exception {
    studio.product("dlc", "live");
    studio.publish("game", "live", GameBuilds.build(1, 2_000_000), "1.0");
    studio.publish("dlc", "live", GameBuilds.build(1, 500_000), "1.0");
    enrolAndEntitle();
    studio.entitle("dlc", agent.deviceId());
    shoal.setLimits(shoal.limits().withDownloadCap(300_000));

    InstallHandle game = shoal.install("game", "live", temp.resolve("game"));
    until(game, p -> p.state() == InstallState.DOWNLOADING);
    InstallHandle dlc =
        shoal.install(
            InstallRequest.of("dlc", "live", temp.resolve("dlc"))
                .withPriority(InstallPriority.BACKGROUND));
    assertThat(dlc.progress().priority()).isEqualTo(InstallPriority.BACKGROUND);
    Thread.sleep(1500);
    assertThat(dlc.refresh().state()).isEqualTo(InstallState.QUEUED);
    assertThat(game.refresh().state()).isEqualTo(InstallState.DOWNLOADING);

    shoal.setLimits(shoal.limits().withDownloadCap(0));
    assertThat(game.await(TIMEOUT).state()).isEqualTo(InstallState.COMPLETED);
    assertThat(dlc.await(TIMEOUT).state()).isEqualTo(InstallState.COMPLETED);
  }

  @Test
  void theSameRunningInstallHasOneHandleAndCanBeAttachedTo() throws Exception {
    studio.publish("game", "live", GameBuilds.build(1, 2_000_000), "1.0");
    enrolAndEntitle();
    shoal.setLimits(shoal.limits().withDownloadCap(300_000));
    Path dir = temp.resolve("game");
    InstallHandle first = shoal.install("game", "live", dir);
    assertThat(shoal.install("game", "live", dir)).isSameAs(first);
    try (ShoalClient other = ShoalClient.connect(agent.dataDir())) {
      InstallHandle attached = other.attach(first.id());
      assertThat(attached.progress().id()).isEqualTo(first.id());
      shoal.setLimits(shoal.limits().withDownloadCap(0));
      assertThat(attached.await(TIMEOUT).state()).isEqualTo(InstallState.COMPLETED);
      assertThat(first.await(TIMEOUT).state()).isEqualTo(InstallState.COMPLETED);
      assertThatThrownBy(() -> other.attach("no-such-install"))
          .isInstanceOfSatisfying(
              ShoalException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }
    // Another directory for the same product/channel is refused at once.
    assertThatThrownBy(() -> shoal.install("game", "live", temp.resolve("elsewhere")))
        .isInstanceOfSatisfying(
            ShoalException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
  }

  @Test
  void theWaitEndsRetryablyWhenTheAgentRestartsMidInstall() throws Exception {
    studio.publish("game", "live", GameBuilds.build(1, 2_000_000), "1.0");
    enrolAndEntitle();
    shoal.setLimits(shoal.limits().withDownloadCap(200_000));
    InstallHandle install = shoal.install("game", "live", temp.resolve("game"));
    until(install, p -> p.state() == InstallState.DOWNLOADING);
    List<ShoalException> drops = new CopyOnWriteArrayList<>();
    install.onProgress(
        new InstallListener() {
          @Override
          public void onProgress(InstallProgress progress) {}

          @Override
          public void onDisconnected(ShoalException cause) {
            drops.add(cause);
          }
        });

    agent.close();
    assertThatThrownBy(() -> shoal.install("game", "live", temp.resolve("game")))
        .isInstanceOfSatisfying(
            ShoalException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.AGENT_NOT_RUNNING));
    agent = AgentFixture.start(agent.dataDir());

    assertThat(assertFails(ErrorCode.AGENT_NOT_RUNNING, true, () -> install.await(TIMEOUT)))
        .hasMessageContaining("install again");
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !drops.isEmpty());
    // Installing again resumes; the same client follows the restarted agent.
    shoal.setLimits(shoal.limits().withDownloadCap(0));
    assertThat(shoal.install("game", "live", temp.resolve("game")).await(TIMEOUT).state())
        .isEqualTo(InstallState.COMPLETED);
  }
}
