package dev.shoal.agent.update;

import dev.shoal.agent.consent.ConsentLedger;
import dev.shoal.agent.controlplane.ControlPlane;
import dev.shoal.agent.controlplane.ControlPlaneException;
import dev.shoal.agent.controlplane.Enrolment;
import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.identity.DeviceIdentity;
import dev.shoal.agent.install.InstallException;
import dev.shoal.agent.install.Installer;
import dev.shoal.agent.json.Json;
import dev.shoal.agent.threads.DaemonThreads;
import dev.shoal.agent.transfer.Transfers;
import dev.shoal.agent.update.InstallRequest.Priority;
import dev.shoal.agent.update.UpdateException.Code;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The agent's installs and updates: enrolment with a control plane, one {@link InstallJob} per
 * request (each on its own thread; background jobs wait while a foreground one runs), crash
 * recovery at start, and the sender of queued consent records. Thread-safe.
 */
public final class Updates implements AutoCloseable {
  /** Finished jobs kept for the local API to show. */
  private static final int KEEP_FINISHED = 32;

  private final DataDir dataDir;
  private final DeviceIdentity identity;
  private final Transfers transfers;
  private final BooleanSupplier peersAllowed;
  private final Clock clock;
  private final Path enrolmentFile;
  private final Map<String, InstallJob> jobs = new LinkedHashMap<>();
  private final ExecutorService runners =
      Executors.newCachedThreadPool(DaemonThreads.named("shoal-agent-install"));
  private final ScheduledExecutorService sender =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("shoal-agent-outbox"));
  private volatile Enrolment enrolment;
  private final long cacheLimitBytes;

  public Updates(
      DataDir dataDir,
      DeviceIdentity identity,
      Transfers transfers,
      BooleanSupplier peersAllowed,
      Clock clock,
      long cacheLimitBytes) {
    this.cacheLimitBytes = cacheLimitBytes;
    this.dataDir = dataDir;
    this.identity = identity;
    this.transfers = transfers;
    this.peersAllowed = peersAllowed;
    this.clock = clock;
    this.enrolmentFile = dataDir.stateDir().resolve("enrolment.json");
    this.enrolment =
        dataDir
            .readString(enrolmentFile)
            .map(s -> Json.MAPPER.readValue(s, Enrolment.class))
            .orElse(null);
    Installer.recoverAll(dataDir)
        .forEach(
            (dir, e) -> log("could not recover the install in " + dir + ": " + e.getMessage()));
  }

  /** The control plane this agent is enrolled with, if any. */
  public Optional<Enrolment> currentEnrolment() {
    return Optional.ofNullable(enrolment);
  }

  /**
   * Enrols this device with the control plane at {@code url} in {@code organisation} (again, if
   * already enrolled: the passkey is rotated, the pinned trust root kept when the organisation is
   * the same).
   */
  public Enrolment enrol(URI url, String organisation, String region) throws UpdateException {
    ControlPlane cp = new ControlPlane(url, identity, clock);
    Enrolment fresh;
    try {
      fresh = cp.enrol(organisation, region);
    } catch (ControlPlaneException e) {
      throw InstallJob.fromControlPlane(e);
    }
    Enrolment old = enrolment;
    if (old != null
        && old.organisation().equals(organisation)
        && old.controlPlane().equals(cp.base())) {
      fresh = fresh.withTrustRoot(old.trustRootBytes()); // keep the pinned root: rotations only
    }
    saveEnrolment(fresh);
    return fresh;
  }

  /**
   * Starts installing or updating. A request for a product/channel that already has a running job
   * into the same directory returns that job.
   *
   * @throws UpdateException CONFLICT when the product/channel is installed in, or being installed
   *     into, another directory
   */
  public synchronized InstallJob install(InstallRequest request) throws UpdateException {
    return start(request, false);
  }

  /** Verifies the installed files and re-fetches only the chunks of those that are damaged. */
  public synchronized InstallJob repair(InstallRequest request) throws UpdateException {
    return start(request, true);
  }

  /** The files of the installed release that do not match its manifest (empty: intact). */
  public List<Installer.FileProblem> verify(InstallRequest request) throws UpdateException {
    try {
      return installer(request).verify();
    } catch (InstallException e) {
      throw InstallJob.fromInstall(e);
    }
  }

  private InstallJob start(InstallRequest request, boolean repair) throws UpdateException {
    for (InstallJob j : jobs.values()) {
      InstallRequest r = j.request();
      if (!j.state().isFinal()
          && r.product().equals(request.product())
          && r.channel().equals(request.channel())) {
        if (!r.directory().equals(request.directory())) {
          throw new UpdateException(
              Code.CONFLICT,
              request.product()
                  + "/"
                  + request.channel()
                  + " is being installed into "
                  + r.directory());
        }
        return j;
      }
    }
    installer(request); // refuses another directory than the installed one, before queueing
    InstallJob job = new InstallJob(UUID.randomUUID().toString(), request, this, repair);
    jobs.put(job.id(), job);
    trimFinished();
    runners.execute(job::run);
    return job;
  }

  public synchronized Optional<InstallJob> job(String id) {
    return Optional.ofNullable(jobs.get(id));
  }

  public synchronized List<InstallJob> jobs() {
    return List.copyOf(jobs.values());
  }

  /**
   * Sends queued consent records every {@code period} while enrolled; a record leaves the outbox
   * only once the control plane has it.
   */
  public void sendConsentRecords(ConsentLedger ledger, java.time.Duration period) {
    long ms = period.toMillis();
    sender.scheduleWithFixedDelay(() -> flushConsent(ledger), 0, ms, TimeUnit.MILLISECONDS);
  }

  /** Sends what is queued now; returns how many records the control plane took. */
  public int flushConsent(ConsentLedger ledger) {
    Enrolment e = enrolment;
    if (e == null) {
      return 0;
    }
    ControlPlane cp = controlPlane(e);
    int sent = 0;
    try {
      for (String line : ledger.outbox()) {
        try {
          cp.consent(line);
        } catch (ControlPlaneException ex) {
          if (ex.retryable()) {
            break; // try again later, in order
          }
          log("the control plane refused a consent record (dropped): " + ex.getMessage());
        }
        sent++;
      }
    } catch (RuntimeException ex) {
      log("sending consent records failed: " + ex);
    }
    ledger.removeSentFromOutbox(sent);
    return sent;
  }

  @Override
  public void close() {
    sender.shutdownNow();
    List<InstallJob> running;
    synchronized (this) {
      running = new ArrayList<>(jobs.values());
    }
    for (InstallJob j : running) {
      j.cancelQuietlyForShutdown();
    }
    runners.shutdownNow();
  }

  // ---- for InstallJob --------------------------------------------------------------------------

  Enrolment enrolment() throws UpdateException {
    Enrolment e = enrolment;
    if (e == null) {
      throw new UpdateException(
          Code.NOT_ENROLLED, "this agent is not enrolled with a control plane yet");
    }
    return e;
  }

  ControlPlane controlPlane(Enrolment e) {
    return new ControlPlane(e.controlPlane(), identity, clock);
  }

  synchronized void saveEnrolment(Enrolment e) {
    dataDir.writeAtomically(enrolmentFile, Json.MAPPER.writeValueAsString(e));
    enrolment = e;
  }

  Installer installer(InstallRequest r) throws UpdateException {
    Installer installer = new Installer(dataDir, r.directory(), r.product(), r.channel());
    try {
      Optional<Path> recorded = installer.recordedInstallDir();
      if (recorded.isPresent() && !recorded.get().equals(installer.installDir())) {
        throw new UpdateException(
            Code.CONFLICT,
            r.product()
                + "/"
                + r.channel()
                + " is installed in "
                + recorded.get()
                + ", not in "
                + r.directory());
      }
    } catch (InstallException e) {
      throw InstallJob.fromInstall(e);
    }
    return installer;
  }

  Transfers transfers() {
    return transfers;
  }

  DeviceIdentity identity() {
    return identity;
  }

  boolean peersAllowed() {
    return peersAllowed.getAsBoolean();
  }

  Instant now() {
    return clock.instant();
  }

  long cacheLimitBytes() {
    return cacheLimitBytes;
  }

  Path cacheFile(String name) {
    return dataDir.cacheDir().resolve(name);
  }

  /** Background jobs wait while any foreground job is not finished. */
  synchronized void awaitTurn(InstallJob job) throws InterruptedException {
    if (job.request().priority() == Priority.FOREGROUND) {
      return;
    }
    while (!job.cancelRequested()
        && jobs.values().stream()
            .anyMatch(
                j ->
                    j != job
                        && j.request().priority() == Priority.FOREGROUND
                        && !j.state().isFinal())) {
      wait(500);
    }
  }

  synchronized void finished(InstallJob job) {
    notifyAll();
  }

  void log(String message) {
    System.err.println("shoal-agent: " + message);
  }

  private void trimFinished() {
    int finished = (int) jobs.values().stream().filter(j -> j.state().isFinal()).count();
    var it = jobs.values().iterator();
    while (finished > KEEP_FINISHED && it.hasNext()) {
      if (it.next().state().isFinal()) {
        it.remove();
        finished--;
      }
    }
  }
}
