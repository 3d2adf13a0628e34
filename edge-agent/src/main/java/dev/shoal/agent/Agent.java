package dev.shoal.agent;

import dev.shoal.agent.bandwidth.BandwidthPolicy;
import dev.shoal.agent.bandwidth.BandwidthSettings;
import dev.shoal.agent.bandwidth.EffectiveLimits;
import dev.shoal.agent.bandwidth.PowerProbe;
import dev.shoal.agent.bandwidth.RateLimiter;
import dev.shoal.agent.bandwidth.TrafficMeter;
import dev.shoal.agent.consent.ConsentLedger;
import dev.shoal.agent.consent.ConsentOutbox;
import dev.shoal.agent.consent.ConsentRecord;
import dev.shoal.agent.consent.ConsentScope;
import dev.shoal.agent.consent.ConsentTexts;
import dev.shoal.agent.controlplane.EnrolmentStore;
import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.identity.DeviceIdentity;
import dev.shoal.agent.install.InstallJob;
import dev.shoal.agent.install.Installs;
import dev.shoal.agent.json.Json;
import dev.shoal.agent.localapi.LocalApiServer;
import dev.shoal.agent.status.AgentStatus;
import dev.shoal.agent.status.StatusReporter;
import dev.shoal.agent.threads.DaemonThreads;
import dev.shoal.agent.transfer.LiveStats;
import dev.shoal.agent.transfer.Transfers;
import dev.shoal.swarm.SwarmConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The running agent: opens the data directory (one agent per directory, enforced with a file lock),
 * loads identity, settings, counters and consent, wires consent into the bandwidth policy, and
 * serves the local API and status page. It owns one swarm engine ({@link #transfers()}), which
 * follows the policy ({@code policy().addListener(...)}) and reports bytes into {@link #traffic()}.
 */
public final class Agent implements AutoCloseable {
  /** The player's persisted pause switch. */
  record SharingState(boolean paused) {}

  private final AgentConfig config;
  private final DataDir dataDir;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final DeviceIdentity identity;
  private final TrafficMeter traffic;
  private final BandwidthPolicy policy;
  private final ConsentLedger consent;
  private final StatusReporter reporter;
  private final ScheduledExecutorService ticker;
  private final PowerProbe power;
  private final RateLimiter uploadLimiter = new RateLimiter(0);
  private final RateLimiter downloadLimiter = new RateLimiter(0);
  private LocalApiServer localApi;
  private Transfers transfers;
  private EnrolmentStore enrolments;
  private Installs installs;
  private ConsentOutbox consentOutbox;
  private final Clock clock;
  private BandwidthSettings savedSettings;
  private boolean savedPaused;

  private Agent(
      AgentConfig config, Clock clock, DataDir dataDir, FileChannel lockChannel, FileLock lock) {
    this.config = config;
    this.clock = clock;
    this.dataDir = dataDir;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.identity = DeviceIdentity.loadOrCreate(dataDir);
    this.traffic = TrafficMeter.open(dataDir, clock, config.zone());
    this.savedSettings = loadSettings(config);
    this.savedPaused = loadPaused();
    this.policy = new BandwidthPolicy(clock, config.zone(), savedSettings, traffic, savedPaused);
    this.consent =
        ConsentLedger.open(
            dataDir, identity.deviceId(), clock, ConsentTexts.shipped(), policy::settings);
    this.power = new PowerProbe(config.powerSupplyRoot());
    this.reporter =
        new StatusReporter(identity.deviceId(), policy, traffic, consent, dataDir.cacheDir());
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("shoal-agent-tick"));
  }

  /** Starts the agent; throws {@link IllegalStateException} if another agent uses the directory. */
  public static Agent start(AgentConfig config) {
    return start(config, Clock.system(config.zone()));
  }

  static Agent start(AgentConfig config, Clock clock) {
    return start(config, clock, defaultSwarmConfig());
  }

  /** Tests pass a loopback engine configuration with a known port. */
  static Agent start(AgentConfig config, Clock clock, SwarmConfig swarmConfig) {
    DataDir dataDir = DataDir.open(config.dataDir());
    FileChannel ch = null;
    try {
      ch = dataDir.openPrivate(dataDir.lockFile());
      FileLock lock = tryLock(ch);
      if (lock == null) {
        ch.close();
        throw new IllegalStateException(
            "another Shoal agent is already running on " + dataDir.root());
      }
      Agent agent;
      try {
        agent = new Agent(config, clock, dataDir, ch, lock);
      } catch (RuntimeException e) {
        closeQuietly(ch); // releases the lock: a broken data dir must not block the next try
        throw e;
      }
      try {
        agent.wire(swarmConfig);
      } catch (RuntimeException e) {
        agent.close();
        throw e;
      }
      return agent;
    } catch (IOException e) {
      closeQuietly(ch);
      throw new UncheckedIOException("cannot lock " + dataDir.lockFile(), e);
    }
  }

  /** Null when held: by another process, or (OverlappingFileLockException) by this one. */
  private static FileLock tryLock(FileChannel ch) throws IOException {
    try {
      return ch.tryLock();
    } catch (OverlappingFileLockException e) {
      return null;
    }
  }

  private void wire(SwarmConfig swarmConfig) {
    policy.setUploadConsent(
        consent.isGranted(ConsentScope.UPLOAD_TO_PEERS),
        consent
            .current(ConsentScope.UPLOAD_TO_PEERS)
            .map(ConsentRecord::coversUncappedLan)
            .orElse(false));
    policy.setDownloadConsent(consent.isGranted(ConsentScope.DOWNLOAD_FROM_PEERS));
    // Synchronous: a withdrawal reaches the policy, and through it the swarm, before the call
    // returns.
    consent.addListener(
        r -> {
          switch (r.scope()) {
            case UPLOAD_TO_PEERS -> policy.setUploadConsent(r.granted(), r.coversUncappedLan());
            case DOWNLOAD_FROM_PEERS -> policy.setDownloadConsent(r.granted());
          }
        });
    policy.setPowerSource(power.read());
    applyRates(policy.evaluate());
    policy.addListener(this::applyRates);
    policy.addListener(l -> persistPlayerChoices());
    transfers =
        Transfers.start(
            policy,
            traffic,
            dataDir,
            swarmConfig.toBuilder().holePunch(config.holePunch()).utp(config.utp()).build(),
            Transfers.DEFAULT_POLL);
    var mapper = transfers.mapPorts(config.portMapping() == AgentConfig.PortMapping.AUTO, clock);
    reporter.setPortMapping(
        () -> {
          var m = mapper.status();
          return new AgentStatus.PortMapping(
              m.protocol(),
              m.externalPort(),
              m.internalPort(),
              m.leaseSeconds(),
              m.expiresAt(),
              m.whyNone(),
              m.udp());
        });
    enrolments = new EnrolmentStore(dataDir, identity, clock);
    installs =
        new Installs(
            dataDir,
            new InstallJob.Collaborators(
                enrolments,
                transfers,
                identity,
                () -> policy.evaluate().downloadFromPeersAllowed(),
                clock,
                cacheLimitBytes(),
                dataDir.cacheDir()));
    transfers.reseedCache();
    reporter.setCacheLimit(cacheLimitBytes());
    consentOutbox = new ConsentOutbox(consent, enrolments);
    consentOutbox.sendEvery(config.tickInterval());
    reporter.setInstalls(() -> installs.jobs().stream().map(InstallJob::status).toList());
    reporter.setCacheLabels(transfers::label);
    reporter.setLiveRates(
        () -> {
          LiveStats st = transfers.stats();
          return new AgentStatus.Rates(
              st.downloadBytesPerSecond(), st.uploadBytesPerSecond(), st.peers(), st.listenPort());
        });
    reporter.setConnections(
        () ->
            transfers.peers().stream()
                .map(
                    p ->
                        new AgentStatus.Connection(
                            p.address(),
                            p.transport(),
                            p.outgoing(),
                            p.lan(),
                            p.downloadBytesPerSecond(),
                            p.uploadBytesPerSecond()))
                .toList());
    localApi =
        LocalApiServer.start(
            config.localApiPort(),
            config.maxRequestBodyBytes(),
            dataDir,
            policy,
            consent,
            reporter,
            enrolments,
            installs);
    long tick = config.tickInterval().toMillis();
    ticker.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
  }

  /** All interfaces, a random port (opened only while uploads are allowed). */
  static SwarmConfig defaultSwarmConfig() {
    return SwarmConfig.builder().bindAddress("0.0.0.0").build();
  }

  /** Keeps the two shared buckets at the policy's caps; "upload off" is the swarm's to enforce. */
  private void applyRates(EffectiveLimits limits) {
    uploadLimiter.setRate(limits.uploadCapBytesPerSecond());
    downloadLimiter.setRate(limits.downloadCapBytesPerSecond());
  }

  /** Things that change without anyone calling us: power source, the clock, byte counters. */
  private void tick() {
    try {
      policy.setPowerSource(power.read());
      policy.recheck();
      traffic.flush();
    } catch (RuntimeException e) {
      // Keep ticking; a transient I/O error must not stop enforcement of upload hours.
      System.err.println("shoal-agent: periodic check failed: " + e);
    }
  }

  private synchronized void persistPlayerChoices() {
    BandwidthSettings s = policy.settings();
    if (!s.equals(savedSettings)) {
      dataDir.writeAtomically(settingsFile(), Json.MAPPER.writeValueAsString(s));
      savedSettings = s;
    }
    if (policy.paused() != savedPaused) {
      dataDir.writeAtomically(
          sharingFile(), Json.MAPPER.writeValueAsString(new SharingState(policy.paused())));
      savedPaused = policy.paused();
    }
  }

  private BandwidthSettings loadSettings(AgentConfig config) {
    return dataDir
        .readString(settingsFile())
        .map(s -> Json.MAPPER.readValue(s, BandwidthSettings.class))
        .orElse(config.defaultLimits());
  }

  private boolean loadPaused() {
    return dataDir
        .readString(sharingFile())
        .map(s -> Json.MAPPER.readValue(s, SharingState.class).paused())
        .orElse(false);
  }

  private Path settingsFile() {
    return dataDir.stateDir().resolve("bandwidth.json");
  }

  private Path sharingFile() {
    return dataDir.stateDir().resolve("sharing.json");
  }

  public AgentConfig config() {
    return config;
  }

  public DataDir dataDir() {
    return dataDir;
  }

  public DeviceIdentity identity() {
    return identity;
  }

  public BandwidthPolicy policy() {
    return policy;
  }

  public ConsentLedger consent() {
    return consent;
  }

  public TrafficMeter traffic() {
    return traffic;
  }

  public StatusReporter status() {
    return reporter;
  }

  /** One bucket shared by all uploads to peers; its rate follows the policy. */
  public RateLimiter uploadLimiter() {
    return uploadLimiter;
  }

  /** One bucket shared by all downloads (peers and origin); its rate follows the policy. */
  public RateLimiter downloadLimiter() {
    return downloadLimiter;
  }

  /** The agent's swarm engine and the packs it downloads and seeds. */
  public Transfers transfers() {
    return transfers;
  }

  /**
   * Most bytes of packs kept for seeding: the configured limit, else the smaller of 10 GiB and 10%
   * of the data directory's disk.
   */
  public long cacheLimitBytes() {
    if (config.cacheLimitBytes() > 0) {
      return config.cacheLimitBytes();
    }
    long tenGiB = 10L << 30;
    try {
      return Math.min(
          tenGiB, java.nio.file.Files.getFileStore(dataDir.root()).getTotalSpace() / 10);
    } catch (java.io.IOException e) {
      return tenGiB;
    }
  }

  /** The control plane this device is enrolled with. */
  public EnrolmentStore enrolments() {
    return enrolments;
  }

  /** Installs and updates of games. */
  public Installs installs() {
    return installs;
  }

  public int localApiPort() {
    return localApi.port();
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    if (localApi != null) {
      localApi.close();
    }
    if (consentOutbox != null) {
      consentOutbox.close();
    }
    if (installs != null) {
      installs.close();
    }
    if (transfers != null) {
      transfers.close();
    }
    traffic.flush();
    try {
      lock.release();
    } catch (IOException e) {
      // Closing the channel below releases it anyway.
    }
    closeQuietly(lockChannel);
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch == null) {
      return;
    }
    try {
      ch.close();
    } catch (IOException e) {
      // nothing useful to do while shutting down
    }
  }
}
