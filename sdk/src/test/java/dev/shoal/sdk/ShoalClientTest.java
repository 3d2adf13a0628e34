package dev.shoal.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

class ShoalClientTest {
  @TempDir Path tmp;
  LocalAgent agent;
  ShoalClient client;

  @BeforeEach
  void start() throws IOException {
    agent = new LocalAgent(tmp.resolve("data"));
    client = ShoalClient.connect(agent.dataDir);
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (agent != null) {
      agent.close();
    }
  }

  /** The ShoalException {@code call} throws; fails the test if it throws none. */
  static ShoalException failure(Runnable call) {
    try {
      call.run();
    } catch (ShoalException e) {
      return e;
    }
    throw new AssertionError("expected a ShoalException");
  }

  @Test
  void findsTheAgentFromItsDataDir() throws Exception {
    AgentStatus s = client.status();
    assertThat(s.deviceId()).startsWith("d-");
    assertThat(s.uploading()).isFalse();
    assertThat(s.uploadOffReasons()).isNotEmpty();
    assertThat(s.json()).contains("\"deviceId\"");
    assertThat(client.statusAsync().get(10, TimeUnit.SECONDS).deviceId()).isEqualTo(s.deviceId());
  }

  @Test
  void noDataDirMeansNotInstalled() {
    ShoalException e = failure(() -> ShoalClient.connect(tmp.resolve("nowhere")));
    assertThat(e.code()).isEqualTo(ErrorCode.AGENT_NOT_INSTALLED);
    assertThat(e.retryable()).isFalse();
  }

  @Test
  void missingTokenFileMeansNotRunning() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("other"));
    ShoalException e = failure(() -> ShoalClient.connect(dir));
    assertThat(e.code()).isEqualTo(ErrorCode.AGENT_NOT_RUNNING);
    assertThat(e.retryable()).isTrue();
  }

  @Test
  void staleTokenFileMeansNotRunning() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Path dir = Files.createDirectories(tmp.resolve("stale"));
    Files.writeString(
        dir.resolve("local-api.json"),
        "{\"port\":" + closedPort + ",\"token\":\"gone\",\"pid\":1}");
    ShoalException e = failure(() -> ShoalClient.connect(dir));
    assertThat(e.code()).isEqualTo(ErrorCode.AGENT_NOT_RUNNING);
    assertThat(e.retryable()).isTrue();
  }

  @Test
  void tokenOfAnotherAgentOnThePortIsStaleToo() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("foreign"));
    Files.writeString(
        dir.resolve("local-api.json"),
        "{\"port\":" + agent.port() + ",\"token\":\"not-the-token\",\"pid\":1}");
    ShoalException e = failure(() -> ShoalClient.connect(dir));
    assertThat(e.code()).isEqualTo(ErrorCode.AGENT_NOT_RUNNING);
  }

  @Test
  void callsAfterTheAgentStoppedAreNotRunning() {
    agent.close();
    agent = null;
    ShoalException e = failure(() -> client.status());
    assertThat(e.code()).isEqualTo(ErrorCode.AGENT_NOT_RUNNING);
    assertThat(e.retryable()).isTrue();
    // A clean stop deletes the token file.
    assertThat(failure(() -> ShoalClient.connect(tmp.resolve("data"))).code())
        .isEqualTo(ErrorCode.AGENT_NOT_RUNNING);
  }

  @Test
  void consentGrantAndWithdraw() {
    assertThat(client.consent().downloadFromPeers().granted()).isFalse();
    assertThat(client.consent().downloadFromPeers().asked()).isFalse();

    ConsentText text = client.consentText(ConsentScope.DOWNLOAD_FROM_PEERS, Locale.ENGLISH);
    assertThat(text.scope()).isEqualTo(ConsentScope.DOWNLOAD_FROM_PEERS);
    assertThat(text.locale()).isEqualTo("en");
    assertThat(text.text()).isNotBlank();
    assertThat(text.sha256()).matches("[0-9a-f]{64}");

    ConsentRecord granted = client.grant(text, AskedWhere.LAUNCHER);
    assertThat(granted.granted()).isTrue();
    assertThat(granted.textSha256()).isEqualTo(text.sha256());
    ScopeState state = client.consent().get(ConsentScope.DOWNLOAD_FROM_PEERS);
    assertThat(state.granted()).isTrue();
    assertThat(state.askedWhere()).isEqualTo(AskedWhere.LAUNCHER);
    assertThat(state.textId()).isEqualTo(text.id());
    assertThat(client.status().downloadingFromPeers()).isTrue();
    assertThat(client.consent().uploadToPeers().granted()).isFalse();

    ConsentRecord withdrawn =
        client.withdraw(ConsentScope.DOWNLOAD_FROM_PEERS, AskedWhere.SETTINGS);
    assertThat(withdrawn.granted()).isFalse();
    assertThat(client.consent().downloadFromPeers().granted()).isFalse();
    assertThat(client.status().downloadingFromPeers()).isFalse();
  }

  @Test
  void frenchTextFallsBackFromRegion() {
    ConsentText fr = client.consentText(ConsentScope.UPLOAD_TO_PEERS, Locale.CANADA_FRENCH);
    assertThat(fr.locale()).isEqualTo("fr");
    assertThat(fr.scope()).isEqualTo(ConsentScope.UPLOAD_TO_PEERS);
  }

  @Test
  void wrongTextHashIsAConflict() {
    ConsentText text = client.consentText(ConsentScope.UPLOAD_TO_PEERS, Locale.ENGLISH);
    ConsentText forged =
        new ConsentText(
            text.id(), text.version(), text.scope(), text.locale(), text.text(), "0".repeat(64));
    ShoalException e = failure(() -> client.grant(forged, AskedWhere.LAUNCHER));
    assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
    assertThat(e.retryable()).isFalse();
    assertThat(client.consent().uploadToPeers().granted()).isFalse();
  }

  @Test
  void textShownBeforeTheLimitsChangedIsAConflict() {
    ConsentText text = client.consentText(ConsentScope.UPLOAD_TO_PEERS, Locale.ENGLISH);
    client.setLimits(client.limits().withMonthlyUploadAllowance(5_000_000_000L));
    ShoalException e = failure(() -> client.grant(text, AskedWhere.LAUNCHER));
    assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
    ConsentText again = client.consentText(ConsentScope.UPLOAD_TO_PEERS, Locale.ENGLISH);
    assertThat(client.grant(again, AskedWhere.LAUNCHER).granted()).isTrue();
  }

  @Test
  void limitsRoundTrip() {
    Limits changed =
        client
            .limits()
            .withUploadCap(2_000_000)
            .withDownloadCap(0)
            .withUploadHours("01:00-07:00")
            .withMetered(true);
    assertThat(client.setLimits(changed)).isEqualTo(changed);
    assertThat(client.limits()).isEqualTo(changed);
    assertThat(client.status().limits()).isEqualTo(changed);
    Limits anyTime = client.setLimits(changed.withUploadHours(null));
    assertThat(anyTime.uploadHours()).isNull();
  }

  @Test
  void badLimitsAreABadRequest() {
    Limits bad = client.limits().withUploadHours("whenever");
    ShoalException e = failure(() -> client.setLimits(bad));
    assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(e.retryable()).isFalse();
  }

  @Test
  void gameSessionTogglesQuietMode() {
    assertThat(client.status().quietMode()).isFalse();
    try (GameSession game = client.gameStarted()) {
      assertThat(client.status().quietMode()).isTrue();
      assertThat(client.status().uploadOffReasons()).isNotEmpty();
    }
    assertThat(client.status().quietMode()).isFalse();
  }

  @Test
  void statusPageLinkIsOneTimeAndLocal() {
    assertThat(client.statusPageLink().toString())
        .startsWith("http://127.0.0.1:" + agent.port() + "/?session=");
  }

  private static AgentStatus next(BlockingQueue<AgentStatus> q, Predicate<AgentStatus> wanted)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      AgentStatus s = q.poll(200, TimeUnit.MILLISECONDS);
      if (s != null && wanted.test(s)) {
        return s;
      }
    }
    throw new AssertionError("no such status event");
  }

  @Test
  void eventsArriveOnTheLaunchersExecutor() throws Exception {
    ExecutorService ui =
        Executors.newSingleThreadExecutor(r -> new Thread(r, "launcher-ui-thread"));
    BlockingQueue<AgentStatus> seen = new LinkedBlockingQueue<>();
    BlockingQueue<String> threads = new LinkedBlockingQueue<>();
    try (Subscription sub =
        client.subscribe(
            s -> {
              threads.add(Thread.currentThread().getName());
              seen.add(s);
            },
            ui)) {
      next(seen, s -> !s.quietMode()); // the current status comes at once
      client.gameStarted();
      next(seen, AgentStatus::quietMode);
      assertThat(threads).isNotEmpty().allMatch("launcher-ui-thread"::equals);
    } finally {
      ui.shutdownNow();
    }
  }

  @Test
  void eventsDefaultToADaemonThreadAndSurviveAnAgentRestart() throws Exception {
    BlockingQueue<AgentStatus> seen = new LinkedBlockingQueue<>();
    BlockingQueue<Thread> threads = new LinkedBlockingQueue<>();
    BlockingQueue<ShoalException> drops = new LinkedBlockingQueue<>();
    try (Subscription sub =
        client.subscribe(
            new StatusListener() {
              @Override
              public void onStatus(AgentStatus s) {
                threads.add(Thread.currentThread());
                seen.add(s);
              }

              @Override
              public void onDisconnected(ShoalException cause) {
                drops.add(cause);
              }
            })) {
      next(seen, s -> !s.quietMode());
      Thread t = threads.take();
      assertThat(t.getName()).isEqualTo("shoal-sdk-events");
      assertThat(t.isDaemon()).isTrue();

      // The agent restarts on another port with another token; the stream follows it.
      agent.close();
      ShoalException drop = drops.poll(15, TimeUnit.SECONDS);
      assertThat(drop).isNotNull();
      assertThat(drop.retryable()).isTrue();
      agent = new LocalAgent(tmp.resolve("data"));
      seen.clear();
      client.gameStarted(); // a plain call follows the restart too
      next(seen, AgentStatus::quietMode);
    }
  }

  @Test
  void startWithoutAnExecutableIsNotInstalled() {
    ShoalException e =
        failure(
            () ->
                ShoalClient.start(
                    tmp.resolve("no-such-agent"), tmp.resolve("d2"), Duration.ofSeconds(1)));
    assertThat(e.code()).isEqualTo(ErrorCode.AGENT_NOT_INSTALLED);
  }

  @Test
  void startConnectsToARunningAgentWithoutStartingAnother() throws IOException {
    Path exe = tmp.resolve("shoal-agent");
    Files.writeString(exe, "#!/bin/sh\nexit 7\n");
    exe.toFile().setExecutable(true);
    try (ShoalClient again = ShoalClient.start(exe, agent.dataDir, Duration.ofSeconds(5))) {
      assertThat(again.status().deviceId()).isEqualTo(client.status().deviceId());
    }
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void anAgentThatDiesWhileStartingIsNotRunning() throws IOException {
    Path exe = tmp.resolve("shoal-agent");
    Files.writeString(exe, "#!/bin/sh\nexit 7\n");
    exe.toFile().setExecutable(true);
    Path dir = Files.createDirectories(tmp.resolve("d3"));
    ShoalException e = failure(() -> ShoalClient.start(exe, dir, Duration.ofSeconds(5)));
    assertThat(e.code()).isEqualTo(ErrorCode.AGENT_NOT_RUNNING);
    assertThat(e.getMessage()).contains("exited with status 7");
  }
}
