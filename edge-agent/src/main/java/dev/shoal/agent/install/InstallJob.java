package dev.shoal.agent.install;

import dev.shoal.agent.controlplane.ControlPlane;
import dev.shoal.agent.controlplane.ControlPlaneException;
import dev.shoal.agent.controlplane.Enrolment;
import dev.shoal.agent.controlplane.EnrolmentStore;
import dev.shoal.agent.identity.DeviceIdentity;
import dev.shoal.agent.install.InstallException.Code;
import dev.shoal.agent.install.InstallStatus.State;
import dev.shoal.agent.transfer.PackSource;
import dev.shoal.agent.transfer.Transfer;
import dev.shoal.agent.transfer.Transfers;
import dev.shoal.protocol.Hex;
import dev.shoal.protocol.crypto.KeyWrap;
import dev.shoal.protocol.crypto.WrappedKey;
import dev.shoal.protocol.manifest.ChannelHead;
import dev.shoal.protocol.manifest.ManifestRejectedException;
import dev.shoal.protocol.manifest.ManifestVerifier;
import dev.shoal.protocol.manifest.PackEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.pack.PackLayout;
import dev.shoal.protocol.signing.RotationRejectedException;
import dev.shoal.protocol.signing.TrustRoot;
import dev.shoal.protocol.signing.TrustStore;
import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.swarm.Progress;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * One install or update of a product/channel, run on its own thread: prepare (trust root, signed
 * manifest, pack choice, torrent and key checks), download (swarm with origin fallback), install
 * (atomic, journaled), report. Pause and cancel take effect at the next step boundary, and at once
 * while downloading. Thread-safe.
 */
public final class InstallJob {
  /** How long without a verified byte before a download is reported as stalled. */
  private static final Duration STALL = Duration.ofSeconds(15);

  /**
   * What every install job works with.
   *
   * @param enrolments the control plane the device is enrolled with, and clients to it
   * @param transfers the swarm engine that downloads packs and keeps them in the cache
   * @param identity the device's keys (the content key is wrapped for its agreement key)
   * @param peersAllowed whether downloads may use peers now (for the health shown)
   * @param clock for the manifest's expiry
   * @param cacheLimitBytes the cache is trimmed to this after an install
   * @param cacheDir where the transfers keep pack files
   */
  public record Collaborators(
      EnrolmentStore enrolments,
      Transfers transfers,
      DeviceIdentity identity,
      BooleanSupplier peersAllowed,
      Clock clock,
      long cacheLimitBytes,
      Path cacheDir) {}

  private final String id;
  private final InstallRequest request;
  private final Installer installer;
  private final Collaborators with;
  private final CountDownLatch done = new CountDownLatch(1);

  private volatile State state = State.QUEUED;
  private volatile boolean pauseRequested;
  private volatile boolean cancelRequested;
  private Thread inControlPlaneCall; // guarded by this
  private volatile boolean repairRequested;
  private volatile boolean shuttingDown;
  private volatile Transfer transfer;
  private volatile ReleaseManifest target;
  private volatile Long installedVersion;
  private volatile PackEntry pack;
  private volatile InstallStatus.Error error;
  private volatile Instant finishedAt;
  private volatile String releaseId; // the control plane's id of the target release, for telemetry
  private volatile long lastProgressAt = System.nanoTime();
  private volatile long lastBytesDone = -1;
  private volatile long fromPeers;
  private volatile long fromOrigin;
  // What the current transfer had counted when this job took it: a pack already in the cache (a
  // rollback to a release the agent still seeds) shares its transfer with the install that
  // fetched it, whose bytes are not this install's.
  private volatile long peersBase;
  private volatile long originBase;

  InstallJob(
      String id,
      InstallRequest request,
      boolean repair,
      Installer installer,
      Collaborators collaborators) {
    this.id = id;
    this.request = request;
    this.repairRequested = repair;
    this.installer = installer;
    this.with = collaborators;
  }

  public String id() {
    return id;
  }

  public InstallRequest request() {
    return request;
  }

  public State state() {
    return state;
  }

  /** Pauses the download (peers disconnected, verified pieces kept) until {@link #resume()}. */
  public synchronized void pause() {
    if (state.isFinal()) {
      return;
    }
    pauseRequested = true;
    Transfer t = transfer;
    if (t != null) {
      noteProgress(t.progress().bytesDone());
      with.transfers().close(t);
    }
    if (state == State.DOWNLOADING || state == State.QUEUED) {
      state = State.PAUSED;
    }
    notifyAll();
  }

  public synchronized void resume() {
    pauseRequested = false;
    notifyAll();
  }

  /** Stops the install; the installed version stays as it was and the partial pack is deleted. */
  public synchronized void cancel() {
    if (state.isFinal()) {
      return;
    }
    cancelRequested = true;
    Transfer t = transfer;
    if (t != null) {
      with.transfers().close(t);
    }
    if (inControlPlaneCall != null) {
      inControlPlaneCall.interrupt();
    }
    notifyAll();
  }

  boolean cancelRequested() {
    return cancelRequested;
  }

  /**
   * The agent is stopping: stop downloading, but keep the partial pack and its verified pieces, so
   * that the install continues where it was when a launcher asks again.
   */
  void cancelQuietlyForShutdown() {
    shuttingDown = true;
    cancel();
  }

  /** Waits for the end (completed, failed or cancelled) and returns the final snapshot. */
  public InstallStatus await(Duration timeout) throws InterruptedException, TimeoutException {
    if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new TimeoutException("install " + id + " still " + state + " after " + timeout);
    }
    return status();
  }

  public InstallStatus status() {
    Transfer t = transfer;
    PackEntry p = pack;
    ReleaseManifest m = target;
    long total = p == null ? 0 : p.totalSize();
    long doneBytes = 0;
    long rate = 0;
    int peers = 0;
    long peersBytes = fromPeers;
    long originBytes = fromOrigin;
    if (t != null && !t.isClosed()) {
      Progress pr = t.progress();
      doneBytes = pr.bytesDone();
      rate = pr.downRate();
      peers = pr.peers();
      peersBytes += (t.bytesFromPeers() - peersBase);
      originBytes += (t.bytesFromOrigin() - originBase);
      noteProgress(doneBytes);
    } else if (state == State.INSTALLING || state == State.COMPLETED) {
      doneBytes = total;
    } else if (state == State.PAUSED) {
      doneBytes = Math.max(0, lastBytesDone); // verified pieces are kept while paused
    }
    Long eta = rate > 0 ? Math.max(0, (total - doneBytes) / rate) : null;
    long sum = peersBytes + originBytes;
    return new InstallStatus(
        id,
        request.product(),
        request.channel(),
        request.directory().toString(),
        request.priority().name(),
        state,
        installedVersion,
        m == null ? null : m.version(),
        m == null ? null : m.displayVersion(),
        p == null ? null : p.kind(),
        doneBytes,
        total,
        rate,
        state == State.DOWNLOADING ? eta : null,
        peers,
        sum == 0 ? 0 : (double) peersBytes / sum,
        peersBytes,
        originBytes,
        health(peers),
        error,
        finishedAt);
  }

  private void noteProgress(long bytesDone) {
    if (bytesDone != lastBytesDone) {
      lastBytesDone = bytesDone;
      lastProgressAt = System.nanoTime();
    }
  }

  private String health(int peers) {
    if (state != State.DOWNLOADING) {
      return "OK";
    }
    if (System.nanoTime() - lastProgressAt > STALL.toNanos()) {
      return "STALLED";
    }
    if (!with.peersAllowed().getAsBoolean()) {
      return "ORIGIN_ONLY";
    }
    return peers == 0 ? "NO_PEERS" : "OK";
  }

  // ---- the run --------------------------------------------------------------------------------

  void run() {
    long started = System.nanoTime();
    try {
      checkpoint();
      setState(State.PREPARING);
      Prepared p = prepare();
      if (repairRequested) {
        repair(p.cp(), p.enrolment(), p.installed());
      } else {
        update(p, started);
      }
      finish(State.COMPLETED);
    } catch (InstallException e) {
      if (e.code() == Code.CANCELLED) {
        if (!shuttingDown) {
          discardPartial();
        }
        finish(State.CANCELLED);
      } else {
        error = new InstallStatus.Error(e.code().name(), e.getMessage(), e.retryable());
        log("install " + id + " of " + request.product() + " failed: " + e.getMessage());
        reportQuietly(started, e.code().name().toLowerCase(java.util.Locale.ROOT));
        finish(State.FAILED);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      finish(State.CANCELLED);
    } catch (RuntimeException e) {
      error = new InstallStatus.Error(Code.IO.name(), "unexpected: " + e, true);
      log("install " + id + " failed unexpectedly: " + e);
      finish(State.FAILED);
    }
  }

  /** What an install starts from: the control plane, the trust root, what is installed now. */
  private record Prepared(
      Enrolment enrolment, ControlPlane cp, TrustRoot root, Optional<ReleaseManifest> installed) {}

  /** Asks for root rotations, then finishes (or rolls back) an install a crash interrupted. */
  private Prepared prepare() throws InstallException {
    Enrolment enrolment = enrolment();
    ControlPlane cp = with.enrolments().client(enrolment);
    TrustRoot root = currentRoot(cp, enrolment);
    installer.requireRecordedInstallDir();
    installer.recover();
    Optional<ReleaseManifest> installed = installer.installed();
    if (installed.isEmpty()) {
      installer.requireNoForeignFiles();
    }
    installedVersion = installed.map(ReleaseManifest::version).orElse(null);
    return new Prepared(enrolment, cp, root, installed);
  }

  private Enrolment enrolment() throws InstallException {
    return with.enrolments()
        .current()
        .orElseThrow(
            () ->
                new InstallException(
                    Code.NOT_ENROLLED, "this agent is not enrolled with a control plane yet"));
  }

  /**
   * Installs the channel's current release; when it is installed already, checks the files and
   * repairs what is wrong.
   */
  private void update(Prepared p, long started) throws InstallException, InterruptedException {
    ControlPlane cp = p.cp();
    presentEntitlementToken(cp);
    ControlPlane.ManifestResponse response =
        call(() -> cp.manifest(request.product(), request.channel()));
    releaseId = response.releaseId();
    ReleaseManifest m = verify(response.envelope(), p.root(), versionFloor(p));
    requireLatest(response.channelHead(), p.root(), m);
    target = m;
    if (installedVersion != null && installedVersion == m.version()) {
      setState(State.VERIFYING);
      if (!installer.verify().isEmpty()) {
        repair(cp, p.enrolment(), p.installed());
      }
      return;
    }
    PackEntry chosen = choosePack(m, installedVersion);
    pack = chosen;
    installer.requireSpace(m, transferFile(chosen), chosen.totalSize());
    Metainfo torrent = checkedTorrent(cp, chosen);
    byte[] key = contentKey(cp, m.contentKeyId());
    checkpoint();
    download(cp, p.enrolment(), chosen, torrent);
    setState(State.INSTALLING);
    try (ChunkSource src =
        ChunkSource.fromPack(transferFile(chosen), PackLayout.of(chosen, m), key)) {
      installer.install(m, src, chosen.patches());
    } catch (IOException e) {
      throw new InstallException(Code.IO, "cannot read the pack: " + e.getMessage(), e);
    }
    installedVersion = m.version();
    with.transfers().evict(with.cacheLimitBytes());
    report(cp, started, "ok");
  }

  private TrustRoot currentRoot(ControlPlane cp, Enrolment enrolment) throws InstallException {
    TrustStore store = new TrustStore(TrustRoot.parse(enrolment.trustRootBytes()));
    int before = store.current().version();
    try {
      store.applyChain(call(() -> cp.rotations(enrolment.organisation())));
    } catch (RotationRejectedException e) {
      throw new InstallException(
          Code.SIGNATURE, "a trust root rotation was refused: " + e.getMessage(), e);
    }
    if (store.current().version() != before) {
      with.enrolments().save(enrolment.withTrustRoot(store.current().encode()));
    }
    return store.current();
  }

  /**
   * The lowest version this install accepts: the installed one, unless the key that signed it is no
   * longer in the trust root. A thief with the signing key could have installed a huge version
   * (fast-forward) that would refuse every later genuine one as a rollback; once the publisher
   * rotates that key out, its claims, the version among them, are forgotten (TUF does the same when
   * a root changes). The key is still needed to sign anything new, so this opens no rollback to
   * manifests of the old key.
   */
  private static Long versionFloor(Prepared p) {
    return p.installed()
        .filter(m -> p.root().keys().containsKey(m.signingKeyId()))
        .map(ReleaseManifest::version)
        .orElse(null);
  }

  /**
   * The manifest must be the release the channel head names, and the head fresh: a replayed older
   * manifest (still valid for weeks) is refused at once, a replayed head within hours.
   */
  private void requireLatest(byte[] head, TrustRoot root, ReleaseManifest m)
      throws InstallException {
    if (head == null) {
      throw new InstallException(
          Code.SIGNATURE, "the manifest came without a channel head saying it is the latest");
    }
    try {
      ChannelHead.verify(head, root, m, with.identity().deviceId(), with.clock().instant());
    } catch (ManifestRejectedException e) {
      throw new InstallException(
          Code.SIGNATURE, "the channel head was refused: " + e.getMessage(), e);
    }
  }

  private ReleaseManifest verify(byte[] envelope, TrustRoot root, Long installed)
      throws InstallException {
    try {
      return ManifestVerifier.verify(
          envelope,
          root,
          request.product(),
          request.channel(),
          installed == null ? 0 : installed,
          with.clock().instant());
    } catch (ManifestRejectedException e) {
      throw new InstallException(Code.SIGNATURE, "the manifest was refused: " + e.getMessage(), e);
    }
  }

  /** The delta pack from the installed version when the release has one, else the full pack. */
  static PackEntry choosePack(ReleaseManifest m, Long installed) {
    if (installed != null) {
      for (PackEntry p : m.packs()) {
        if (!p.isFull() && p.baseVersion() != null && p.baseVersion().longValue() == installed) {
          return p;
        }
      }
    }
    return m.fullPack();
  }

  /**
   * The torrent must describe exactly the pack the signed manifest names (mix-and-match). Parsed
   * here once; the download uses what was checked.
   */
  private Metainfo checkedTorrent(ControlPlane cp, PackEntry p) throws InstallException {
    byte[] bytes = call(() -> cp.torrent(p.infoHash()));
    Metainfo meta;
    try {
      meta = Metainfo.parse(bytes);
    } catch (Exception e) {
      throw new InstallException(Code.SIGNATURE, "the pack's torrent is malformed", e);
    }
    if (!meta.infoHashHex().equals(p.infoHash())
        || meta.length() != p.totalSize()
        || meta.pieceLength() != p.pieceLength()
        || meta.pieceCount() != p.pieceSha256().size()) {
      throw new InstallException(
          Code.SIGNATURE, "the torrent does not match the pack in the signed manifest");
    }
    return meta;
  }

  /**
   * A launcher may bring the player's entitlement as a publisher-signed token. The control plane
   * records it when it comes with a content-key request, and serves manifests only to entitled
   * devices, so the token is presented first (the key it answers with is not used).
   */
  private void presentEntitlementToken(ControlPlane cp) throws InstallException {
    if (request.entitlementToken() != null) {
      call(() -> cp.wrappedContentKey(request.product(), null, request.entitlementToken()));
    }
  }

  private byte[] contentKey(ControlPlane cp, String keyId) throws InstallException {
    byte[] wrapped =
        call(() -> cp.wrappedContentKey(request.product(), keyId, request.entitlementToken()));
    try {
      WrappedKey w = WrappedKey.parse(wrapped);
      if (!w.contentKeyId().equals(keyId)) {
        throw new InstallException(
            Code.SIGNATURE, "the control plane wrapped key " + w.contentKeyId() + ", not " + keyId);
      }
      return KeyWrap.unwrap(w, with.identity().agreementPrivateKey());
    } catch (InstallException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new InstallException(Code.INTEGRITY, "the wrapped content key does not open", e);
    }
  }

  private void download(ControlPlane cp, Enrolment enrolment, PackEntry p, Metainfo torrent)
      throws InstallException, InterruptedException {
    List<byte[]> pieces = p.pieceSha256().stream().map(Hex::decode).toList();
    PackSource source =
        new PackSource(
            packFileName(p),
            torrent.torrentBytes(),
            pieces,
            torrent.announce(),
            List.of(),
            cp.originPackUrl(enrolment.passkey(), p.infoHash()));
    while (true) {
      checkpoint();
      Transfer t;
      synchronized (this) {
        if (pauseRequested || cancelRequested) {
          continue;
        }
        setState(State.DOWNLOADING);
        with.transfers().flushCounts();
        t = with.transfers().download(source);
        peersBase = t.bytesFromPeers();
        originBase = t.bytesFromOrigin();
        transfer = t;
      }
      lastProgressAt = System.nanoTime();
      try {
        while (true) {
          try {
            t.awaitCompletion(Duration.ofMillis(500));
            with.transfers().flushCounts();
            fromPeers += (t.bytesFromPeers() - peersBase);
            fromOrigin += (t.bytesFromOrigin() - originBase);
            // The pack stays in the cache and is seeded while uploads are allowed, also after a
            // restart, until the cache's limit evicts it.
            with.transfers().remember(source, packLabel(p));
            return;
          } catch (TimeoutException e) {
            status(); // refresh the stall clock
          } catch (IllegalStateException e) {
            if (!t.isClosed()) {
              throw new InstallException(Code.NETWORK, "the download failed: " + e.getMessage(), e);
            }
            fromPeers += (t.bytesFromPeers() - peersBase);
            fromOrigin += (t.bytesFromOrigin() - originBase);
            break; // paused or cancelled: closed by pause()/cancel()
          }
          if (t.isClosed()) {
            fromPeers += (t.bytesFromPeers() - peersBase);
            fromOrigin += (t.bytesFromOrigin() - originBase);
            break;
          }
        }
      } finally {
        transfer = null;
      }
    }
  }

  private void repair(ControlPlane cp, Enrolment enrolment, Optional<ReleaseManifest> installed)
      throws InstallException {
    ReleaseManifest m =
        installed.orElseThrow(
            () -> new InstallException(Code.IO, "nothing is installed to repair"));
    target = m;
    setState(State.VERIFYING);
    if (installer.verify().isEmpty()) {
      return;
    }
    byte[] key = contentKey(cp, m.contentKeyId());
    setState(State.INSTALLING);
    // Only the chunks of damaged files are fetched: ranges of the full pack from the origin.
    PackEntry full = m.fullPack();
    try (ChunkSource src =
        new OriginChunkSource(
            cp,
            cp.originPackUrl(enrolment.passkey(), full.infoHash()),
            PackLayout.of(full, m),
            key)) {
      installer.repair(src);
    } catch (IOException e) {
      throw new InstallException(
          Code.NETWORK, "repair could not fetch chunks: " + e.getMessage(), e);
    }
  }

  private void report(ControlPlane cp, long startedNanos, String result) {
    if (releaseId == null) {
      return;
    }
    // Installed without fetching a byte: the pack was complete in the cache. Not a download.
    boolean cacheInstall = result.equals("ok") && fromPeers + fromOrigin == 0;
    try {
      cp.telemetry(
          new ControlPlane.DownloadReport(
              releaseId,
              fromPeers,
              fromOrigin,
              0,
              Duration.ofNanos(System.nanoTime() - startedNanos).toMillis(),
              result,
              cacheInstall));
    } catch (ControlPlaneException e) {
      log("telemetry for " + releaseId + " not sent: " + e.getMessage());
    }
  }

  private void reportQuietly(long started, String result) {
    // not enrolled: nothing to report to
    with.enrolments()
        .current()
        .ifPresent(e -> report(with.enrolments().client(e), started, result));
  }

  private void discardPartial() {
    PackEntry p = pack;
    if (p != null) {
      with.transfers().discard(packFileName(p));
    }
  }

  private Path transferFile(PackEntry p) {
    return with.cacheDir().resolve(packFileName(p));
  }

  /** What the pack is, for the cache listing: "demo 1.0.1 (version 2), update from version 1". */
  private String packLabel(PackEntry p) {
    ReleaseManifest m = target;
    StringBuilder b = new StringBuilder(request.product());
    if (m != null) {
      if (m.displayVersion() != null) {
        b.append(' ').append(m.displayVersion());
      }
      b.append(" (version ").append(m.version()).append(')');
    }
    if (PackEntry.DELTA.equals(p.kind()) && p.baseVersion() != null) {
      b.append(", update from version ").append(p.baseVersion());
    } else {
      b.append(", full game");
    }
    return b.toString();
  }

  static String packFileName(PackEntry p) {
    return p.infoHash() + ".pack";
  }

  /** Blocks while paused; throws when cancelled. */
  private synchronized void checkpoint() throws InstallException, InterruptedException {
    while (pauseRequested && !cancelRequested) {
      if (state != State.PAUSED && state != State.QUEUED) {
        state = State.PAUSED;
      }
      wait(1000);
    }
    if (cancelRequested) {
      throw new InstallException(Code.CANCELLED, "cancelled");
    }
  }

  private synchronized void setState(State s) {
    state = s;
  }

  private void finish(State s) {
    synchronized (this) {
      finishedAt = with.clock().instant();
      state = s;
      transfer = null;
    }
    done.countDown();
  }

  static void log(String message) {
    System.err.println("shoal-agent: " + message);
  }

  @FunctionalInterface
  private interface Call<T> {
    T run() throws ControlPlaneException;
  }

  /**
   * A call to the control plane. {@link #cancel} interrupts the thread while it is in one (a
   * control plane that answers slowly must not hold a cancelled install), and only then: an
   * interrupt during file I/O would close the installer's channels.
   */
  private <T> T call(Call<T> c) throws InstallException {
    synchronized (this) {
      if (cancelRequested) {
        throw new InstallException(Code.CANCELLED, "cancelled");
      }
      inControlPlaneCall = Thread.currentThread();
    }
    try {
      return c.run();
    } catch (ControlPlaneException e) {
      if (cancelRequested) {
        throw new InstallException(Code.CANCELLED, "cancelled");
      }
      throw InstallException.fromControlPlane(e);
    } finally {
      synchronized (this) {
        inControlPlaneCall = null;
        if (cancelRequested) {
          Thread.interrupted(); // meant for the call only
        }
      }
    }
  }
}
