package dev.shoal.agent.install;

import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.install.InstallException.Code;
import dev.shoal.agent.install.InstallRequest.Priority;
import dev.shoal.agent.threads.DaemonThreads;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The agent's install queue: one {@link InstallJob} per request, each on its own thread; background
 * jobs wait while a foreground one runs. Recovers crashed installs at start. Thread-safe.
 */
public final class Installs implements AutoCloseable {
  /** Finished jobs kept for the local API to show. */
  private static final int KEEP_FINISHED = 32;

  private final DataDir dataDir;
  private final InstallJob.Collaborators collaborators;
  private final Map<String, InstallJob> jobs = new LinkedHashMap<>();
  private final ExecutorService runners =
      Executors.newCachedThreadPool(DaemonThreads.named("shoal-agent-install"));

  /**
   * @param collaborators what every job uses (control plane, swarm, keys, ...)
   */
  public Installs(DataDir dataDir, InstallJob.Collaborators collaborators) {
    this.dataDir = dataDir;
    this.collaborators = collaborators;
    Installer.recoverAll(dataDir)
        .forEach(
            (dir, e) ->
                InstallJob.log("could not recover the install in " + dir + ": " + e.getMessage()));
  }

  /**
   * Starts installing or updating. A request for a product/channel that already has a running job
   * into the same directory returns that job.
   *
   * @throws InstallException CONFLICT when the product/channel is installed in, or being installed
   *     into, another directory
   */
  public synchronized InstallJob install(InstallRequest request) throws InstallException {
    return start(request, false);
  }

  /** Verifies the installed files and re-fetches only the chunks of those that are damaged. */
  public synchronized InstallJob repair(InstallRequest request) throws InstallException {
    return start(request, true);
  }

  /** The files of the installed release that do not match its manifest (empty: intact). */
  public List<Installer.FileProblem> verify(InstallRequest request) throws InstallException {
    return installer(request).verify();
  }

  private InstallJob start(InstallRequest request, boolean repair) throws InstallException {
    for (InstallJob j : jobs.values()) {
      InstallRequest r = j.request();
      if (!j.state().isFinal()
          && r.product().equals(request.product())
          && r.channel().equals(request.channel())) {
        if (!r.directory().equals(request.directory())) {
          throw new InstallException(
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
    Installer installer = installer(request); // refuses another directory, before queueing
    InstallJob job =
        new InstallJob(UUID.randomUUID().toString(), request, repair, installer, collaborators);
    jobs.put(job.id(), job);
    trimFinished();
    runners.execute(() -> run(job));
    return job;
  }

  private Installer installer(InstallRequest r) throws InstallException {
    Installer installer = new Installer(dataDir, r.directory(), r.product(), r.channel());
    installer.requireRecordedInstallDir();
    return installer;
  }

  private void run(InstallJob job) {
    try {
      awaitTurn(job);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // shutting down: the job was cancelled and ends at once
    }
    job.run();
    synchronized (this) {
      notifyAll(); // a foreground job ended: background ones may go
    }
  }

  /** Background jobs wait while any foreground job is not finished. */
  private synchronized void awaitTurn(InstallJob job) throws InterruptedException {
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

  public synchronized Optional<InstallJob> job(String id) {
    return Optional.ofNullable(jobs.get(id));
  }

  public synchronized List<InstallJob> jobs() {
    return List.copyOf(jobs.values());
  }

  @Override
  public void close() {
    List<InstallJob> running;
    synchronized (this) {
      running = new ArrayList<>(jobs.values());
    }
    for (InstallJob j : running) {
      j.cancelQuietlyForShutdown();
    }
    runners.shutdownNow();
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
