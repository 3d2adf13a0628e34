package dev.shoal.agent.transfer;

import dev.shoal.agent.bandwidth.BandwidthPolicy;
import dev.shoal.agent.bandwidth.EffectiveLimits;
import dev.shoal.agent.bandwidth.TrafficMeter;
import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.json.Json;
import dev.shoal.agent.portmap.PortMapper;
import dev.shoal.agent.threads.DaemonThreads;
import dev.shoal.swarm.PeerSnapshot;
import dev.shoal.swarm.Progress;
import dev.shoal.swarm.Swarm;
import dev.shoal.swarm.SwarmConfig;
import dev.shoal.swarm.TorrentHandle;
import dev.shoal.swarm.TorrentJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The agent's one swarm engine and the packs it moves.
 *
 * <ul>
 *   <li><b>Sources follow download consent.</b> Without {@code DOWNLOAD_FROM_PEERS} a job gets no
 *       tracker and no peers, only the origin web seed; with it, tracker + peers + origin fallback.
 *       When the consent changes, running jobs are replaced by jobs with the new sources (verified
 *       pieces are kept through the resume file / re-check).
 *   <li><b>Upload follows the policy.</b> Every policy change calls {@code
 *       swarm.setUploadEnabled(limits.uploadAllowed())} (the listening socket is opened or closed
 *       before it returns, everyone is choked) and {@code setGlobalCaps(up, down)}. The policy
 *       notifies synchronously, so a consent withdrawal through the local API has closed the socket
 *       before the API answers.
 *   <li><b>Counting.</b> Every {@code pollInterval} the handles' byte counts are read and the
 *       deltas recorded into the {@link TrafficMeter} by source; after an upload delta the policy
 *       is re-checked, so an exhausted monthly allowance stops uploads within one poll.
 * </ul>
 */
public final class Transfers implements AutoCloseable {
  /** Default interval at which byte counts are read from the engine. */
  public static final Duration DEFAULT_POLL = Duration.ofMillis(250);

  private final BandwidthPolicy policy;
  private final TrafficMeter meter;
  private final Path cacheDir;
  private final Path resumeDir;
  private final Path packsDir;
  private final DataDir dataDir;
  private final Swarm swarm;

  /** The engine speaks uTP: its UDP port is mapped beside the TCP one. */
  private final boolean utp;

  private final ScheduledExecutorService poller;
  private final List<Transfer> transfers = new CopyOnWriteArrayList<>();

  /** What each cached pack is, for people (pack files are named by their info hash). */
  private final Map<String, String> labels = new ConcurrentHashMap<>();

  /** Every engine job still to be counted, with the counts already recorded. */
  private final Map<TorrentHandle, Counted> counted = new ConcurrentHashMap<>();

  private volatile boolean peersAllowed;
  private volatile PortMapper portMapper;
  private volatile EffectiveLimits applied;
  private volatile boolean closed;

  private static final class Counted {
    final Transfer transfer;
    long fromPeers;
    long fromOrigin;
    long uploaded;
    boolean retired;

    Counted(Transfer transfer) {
      this.transfer = transfer;
    }
  }

  private Transfers(
      BandwidthPolicy policy,
      TrafficMeter meter,
      DataDir dataDir,
      SwarmConfig base,
      Duration pollInterval)
      throws IOException {
    this.policy = policy;
    this.meter = meter;
    this.cacheDir = dataDir.cacheDir();
    this.resumeDir = dataDir.stateDir().resolve("resume");
    this.packsDir = dataDir.stateDir().resolve("packs");
    this.dataDir = dataDir;
    dataDir.ensureDir(packsDir);
    dataDir.ensureDir(cacheDir);
    dataDir.ensureDir(resumeDir);
    loadLabels();
    EffectiveLimits limits = policy.evaluate();
    this.peersAllowed = limits.downloadFromPeersAllowed();
    this.utp = base.utp();
    this.swarm =
        Swarm.start(
            base.toBuilder()
                .uploadEnabled(limits.uploadAllowed())
                .globalUpCap(limits.uploadCapBytesPerSecond())
                .globalDownCap(limits.downloadCapBytesPerSecond())
                .build());
    swarm.setLanUploadsUncapped(limits.lanUploadsUncapped());
    this.applied = limits;
    this.poller =
        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("shoal-agent-transfers"));
    long ms = pollInterval.toMillis();
    poller.scheduleWithFixedDelay(this::pollSafely, ms, ms, TimeUnit.MILLISECONDS);
  }

  /**
   * Starts the engine with uploads and caps as the policy says now, and follows the policy from
   * then on.
   */
  public static Transfers start(
      BandwidthPolicy policy,
      TrafficMeter meter,
      DataDir dataDir,
      SwarmConfig base,
      Duration pollInterval) {
    Transfers t;
    try {
      t = new Transfers(policy, meter, dataDir, base, pollInterval);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the swarm engine", e);
    }
    policy.addListener(t::apply);
    // The policy evaluates and notifies while holding its own monitor; taking it here means no
    // change can slip between the engine start above and the listener registration.
    synchronized (policy) {
      t.apply(policy.evaluate());
    }
    return t;
  }

  /**
   * Maps the listening port on the home router while uploads are allowed, from now on (see {@link
   * PortMapper}); the mapped port is what the engine announces. Closed with this.
   */
  public synchronized PortMapper mapPorts(boolean enabled, Clock clock) {
    PortMapper mapper = new PortMapper(enabled, utp, swarm::setMappedPort, clock);
    portMapper = mapper;
    mapper.want(applied.uploadAllowed(), swarm.listenPort());
    return mapper;
  }

  /** Applies the limits to the engine. Called by the policy, synchronously, on every change. */
  private synchronized void apply(EffectiveLimits limits) {
    if (closed) {
      return;
    }
    swarm.setUploadEnabled(limits.uploadAllowed());
    PortMapper mapper = portMapper;
    if (mapper != null) {
      // After the listener is opened (its port) or closed: the mapping follows it.
      mapper.want(limits.uploadAllowed(), swarm.listenPort());
    }
    swarm.setGlobalCaps(limits.uploadCapBytesPerSecond(), limits.downloadCapBytesPerSecond());
    swarm.setLanUploadsUncapped(limits.lanUploadsUncapped());
    applied = limits;
    if (limits.downloadFromPeersAllowed() != peersAllowed) {
      peersAllowed = limits.downloadFromPeersAllowed();
      for (Transfer t : transfers) {
        if (!t.isClosed() && t.sources() != sourcesNow()) {
          swap(t);
        }
      }
    }
  }

  private Sources sourcesNow() {
    return peersAllowed ? Sources.PEERS_AND_ORIGIN : Sources.ORIGIN_ONLY;
  }

  /**
   * Downloads a pack into the cache (and seeds it afterwards while uploads are allowed). The
   * sources follow the download consent, now and while the download runs.
   */
  public synchronized Transfer download(PackSource pack) {
    // One engine job per pack: a pack that is already downloading or seeding (an earlier
    // install, a rollback to the same content) is shared rather than added twice.
    for (Transfer t : transfers) {
      if (t.fileName().equals(pack.fileName()) && !t.isClosed()) {
        return t;
      }
    }
    return add(pack, false);
  }

  /**
   * Stops any transfer of {@code fileName} and deletes its data and resume state from the cache (a
   * cancelled download gives its disk space back).
   */
  public synchronized void discard(String fileName) {
    for (Transfer t : transfers) {
      if (t.fileName().equals(fileName)) {
        close(t);
      }
    }
    try {
      Files.deleteIfExists(resumeDir.resolve(fileName + ".shoal-resume"));
      labels.remove(fileName);
      Files.deleteIfExists(packsDir.resolve(fileName + ".json"));
      Files.deleteIfExists(cacheDir.resolve(fileName));
    } catch (IOException e) {
      System.err.println("shoal-agent: cannot delete " + fileName + " from the cache: " + e);
    }
  }

  /**
   * What is kept to seed a cached pack again after a restart (owner-only: it holds the passkey).
   * {@code label} says what the pack is for people; null in files written before it existed.
   */
  record CachedPack(
      String fileName,
      byte[] torrent,
      List<byte[]> pieceSha256,
      String announceUrl,
      URI webSeed,
      String label) {
    PackSource source() {
      return new PackSource(fileName, torrent, pieceSha256, announceUrl, List.of(), webSeed);
    }
  }

  /**
   * Remembers a complete pack so that it is seeded again after a restart ({@link #reseedCache}),
   * and marks it as just used for the cache's least-recently-used order.
   *
   * @param label what the pack is, for people, e.g. "demo 1.0.1 (version 2), update from version 1"
   */
  public void remember(PackSource p, String label) {
    CachedPack c =
        new CachedPack(
            p.fileName(), p.torrent(), p.pieceSha256(), p.announceUrl(), p.webSeed(), label);
    dataDir.writeAtomically(
        packsDir.resolve(p.fileName() + ".json"), Json.MAPPER.writeValueAsString(c));
    if (label != null) {
      labels.put(p.fileName(), label);
    }
  }

  /** What the cached pack file {@code fileName} is, for people; null if not known. */
  public String label(String fileName) {
    return labels.get(fileName);
  }

  private void loadLabels() {
    for (Path meta : packMetadata()) {
      try {
        CachedPack c = Json.MAPPER.readValue(Files.readString(meta), CachedPack.class);
        if (c.label() != null) {
          labels.put(c.fileName(), c.label());
        }
      } catch (IOException | RuntimeException e) {
        // reseedCache reports unreadable files; without a label the file name is shown
      }
    }
  }

  /** Seeds every remembered pack still in the cache (at start). Returns how many. */
  public synchronized int reseedCache() {
    int n = 0;
    for (Path meta : packMetadata()) {
      try {
        CachedPack c = Json.MAPPER.readValue(Files.readString(meta), CachedPack.class);
        if (Files.isRegularFile(cacheDir.resolve(c.fileName()))) {
          seed(c.source());
          n++;
        }
      } catch (IOException | RuntimeException e) {
        System.err.println("shoal-agent: cannot seed " + meta.getFileName() + " again: " + e);
      }
    }
    return n;
  }

  /**
   * Deletes the least recently used packs until the cache holds at most {@code limitBytes}; an
   * evicted pack stops being seeded first. Packs still downloading are never evicted. Returns the
   * evicted file names.
   */
  public synchronized List<String> evict(long limitBytes) {
    List<Path> files = new ArrayList<>();
    try (var s = Files.list(cacheDir)) {
      s.filter(Files::isRegularFile).forEach(files::add);
    } catch (IOException e) {
      System.err.println("shoal-agent: cannot list the cache: " + e);
      return List.of();
    }
    long total = files.stream().mapToLong(Transfers::size).sum();
    files.sort(java.util.Comparator.comparing(this::lastUsed));
    List<String> evicted = new ArrayList<>();
    for (Path f : files) {
      if (total <= limitBytes) {
        break;
      }
      String name = f.getFileName().toString();
      if (downloading(name)) {
        continue;
      }
      long bytes = size(f);
      discard(name);
      total -= bytes;
      evicted.add(name);
    }
    return evicted;
  }

  private boolean downloading(String fileName) {
    for (Transfer t : transfers) {
      if (t.fileName().equals(fileName)
          && !t.isClosed()
          && !t.seedOnly()
          && !t.progress().isComplete()) {
        return true;
      }
    }
    return false;
  }

  private java.nio.file.attribute.FileTime lastUsed(Path dataFile) {
    Path meta = packsDir.resolve(dataFile.getFileName() + ".json");
    try {
      return Files.getLastModifiedTime(Files.exists(meta) ? meta : dataFile);
    } catch (IOException e) {
      return java.nio.file.attribute.FileTime.fromMillis(0);
    }
  }

  private List<Path> packMetadata() {
    try (var s = Files.list(packsDir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".json")).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  /** Records the byte counts of every job now rather than at the next poll. */
  public void flushCounts() {
    poll();
  }

  /**
   * Seeds a pack that is already complete in the cache. Its pieces are re-checked (or taken from
   * the resume state) first; nothing outside the cache directory is ever shared. Like downloads,
   * the tracker and suggested peers are used only with download consent (being announced to the
   * swarm is taking part in it); without it, only peers that dial in can be served.
   */
  public synchronized Transfer seed(PackSource pack) {
    if (!Files.isRegularFile(cacheDir.resolve(pack.fileName()))) {
      throw new IllegalArgumentException("not in the cache: " + pack.fileName());
    }
    return add(pack, true);
  }

  private Transfer add(PackSource pack, boolean seedOnly) {
    if (closed) {
      throw new IllegalStateException("transfers are closed");
    }
    Transfer t = new Transfer(pack, cacheDir.resolve(pack.fileName()), seedOnly);
    Sources s = sourcesNow();
    t.attach(addJob(t, s), s);
    transfers.add(t);
    return t;
  }

  private TorrentHandle addJob(Transfer t, Sources s) {
    PackSource p = t.source();
    TorrentJob.Builder builder =
        TorrentJob.builder(p.torrent(), t.dataFile())
            .resumeFile(resumeDir.resolve(p.fileName() + ".shoal-resume"))
            .pieceSha256(p.pieceSha256())
            .seedAfterComplete(true)
            .webSeeds(p.webSeed() == null ? List.of() : List.<URI>of(p.webSeed()));
    if (s == Sources.PEERS_AND_ORIGIN) {
      builder.announceUrl(p.announceUrl() == null ? "" : p.announceUrl()).peers(p.peers());
    } else {
      builder.announceUrl("").peers(List.of());
    }
    TorrentJob job = builder.build();
    TorrentHandle h;
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        h = swarm.add(job);
        counted.put(h, new Counted(t));
        return h;
      } catch (IllegalStateException e) {
        // The previous job for the same torrent is still being removed by the engine thread.
        last = e;
        sleep(20);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open " + t.dataFile(), e);
      }
    }
    throw last;
  }

  /** Replaces the engine job of a running transfer by one with the current sources. */
  private void swap(Transfer t) {
    t.setSwapping(true);
    try {
      TorrentHandle old = t.handle();
      count(old, counted.get(old));
      Counted c = counted.get(old);
      if (c != null) {
        c.retired = true;
      }
      old.close();
      Sources s = sourcesNow();
      t.attach(addJob(t, s), s);
    } catch (RuntimeException e) {
      t.markClosed();
      System.err.println("shoal-agent: could not switch sources of " + t.fileName() + ": " + e);
    } finally {
      t.setSwapping(false);
    }
  }

  /** Stops a transfer: peers disconnected, resume state saved; the data stays in the cache. */
  public synchronized void close(Transfer t) {
    if (!transfers.contains(t)) {
      t.markClosed();
      return;
    }
    t.markClosed();
    TorrentHandle h = t.handle();
    Counted c = counted.get(h);
    if (c != null) {
      c.retired = true;
    }
    h.close();
    transfers.remove(t);
  }

  public List<Transfer> transfers() {
    return List.copyOf(transfers);
  }

  /** Live rates and peers, summed over the current jobs. */
  public LiveStats stats() {
    long down = 0;
    long up = 0;
    int peers = 0;
    for (Transfer t : transfers) {
      Progress p = t.progress();
      // A finished download's smoothed rate decays for seconds after its last byte: the player
      // would read a download that is not happening. Only what still downloads counts.
      if (p.state() == Progress.State.DOWNLOADING || p.state() == Progress.State.CHECKING) {
        down += p.downRate();
      }
      up += p.upRate();
      peers += p.peers();
    }
    return new LiveStats(down, up, peers, closed ? 0 : swarm.listenPort());
  }

  /** The connected peers of all transfers; none once closed. */
  public List<PeerSnapshot> peers() {
    return closed ? List.of() : swarm.peers();
  }

  /** The port peers can reach this agent on; 0 while uploads are off (no listening socket). */
  public int listenPort() {
    return swarm.listenPort();
  }

  /** Whether the engine accepts peers and uploads right now. */
  public boolean uploadEnabled() {
    return swarm.isUploadEnabled();
  }

  /** The limits last applied to the engine. */
  public EffectiveLimits appliedLimits() {
    return applied;
  }

  private void pollSafely() {
    try {
      poll();
    } catch (RuntimeException e) {
      System.err.println("shoal-agent: counting transfer bytes failed: " + e);
    }
  }

  /** Records byte deltas by source; re-checks the policy when something was uploaded. */
  void poll() {
    long up = 0;
    for (Map.Entry<TorrentHandle, Counted> e : counted.entrySet()) {
      Counted c = e.getValue();
      up += count(e.getKey(), c);
      if (c.retired && e.getKey().progress().state() == Progress.State.CLOSED) {
        count(e.getKey(), c);
        counted.remove(e.getKey());
      }
    }
    if (up > 0) {
      policy.recheck(); // the monthly allowance may be used up now
    }
  }

  /** Returns the upload delta recorded. */
  private long count(TorrentHandle h, Counted c) {
    if (c == null) {
      return 0;
    }
    synchronized (c) {
      Progress p = h.progress();
      long dPeers = Math.max(0, p.fromPeers() - c.fromPeers);
      long dOrigin = Math.max(0, p.fromOrigin() - c.fromOrigin);
      long dUp = Math.max(0, p.uploaded() - c.uploaded);
      c.fromPeers += dPeers;
      c.fromOrigin += dOrigin;
      c.uploaded += dUp;
      if (dPeers > 0) {
        meter.record(TrafficMeter.Kind.FROM_PEERS, dPeers);
        c.transfer.fromPeers.addAndGet(dPeers);
      }
      if (dOrigin > 0) {
        meter.record(TrafficMeter.Kind.FROM_ORIGIN, dOrigin);
        c.transfer.fromOrigin.addAndGet(dOrigin);
      }
      if (dUp > 0) {
        meter.record(TrafficMeter.Kind.UPLOADED, dUp);
        c.transfer.uploaded.addAndGet(dUp);
      }
      return dUp;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Stops counting, closes every job (resume state saved) and the engine. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    poller.shutdownNow();
    try {
      poller.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Map.Entry<TorrentHandle, Counted> e : counted.entrySet()) {
      count(e.getKey(), e.getValue());
    }
    PortMapper mapper = portMapper;
    if (mapper != null) {
      mapper.close(); // deletes the mapping while the engine still holds the port
    }
    swarm.close();
  }
}
