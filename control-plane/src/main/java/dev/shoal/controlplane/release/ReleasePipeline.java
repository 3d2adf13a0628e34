package dev.shoal.controlplane.release;

import static dev.shoal.controlplane.refusal.Refusal.Kind.BUSY;

import dev.shoal.controlplane.config.PublicUrls;
import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.controlplane.keys.ContentKeys;
import dev.shoal.controlplane.refusal.Refusal;
import dev.shoal.controlplane.upload.Uploads;
import dev.shoal.protocol.crypto.ChunkCipher;
import dev.shoal.protocol.manifest.PackEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.pack.PackLayout;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Turns a sealed upload into a signed release, on one background thread with a bounded queue. Files
 * are built in {@code <data-dir>/releases/.staging/<id>} and moved into place whole; the release
 * and pack rows are written in one transaction at the very end. A failure at any step leaves the
 * run FAILED with its error, and no file, row or version number behind.
 */
@Service
public class ReleasePipeline implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(ReleasePipeline.class);

  private final TransactionTemplate transaction;
  private final Uploads uploads;
  private final ContentKeys contentKeys;
  private final ManifestSigner signer;
  private final Releases releases;
  private final PublicUrls urls;
  private final ShoalProperties properties;
  private final Timer.Builder timer;
  private final MeterRegistry meters;
  private final ThreadPoolExecutor executor;
  private final Path releasesRoot;

  ReleasePipeline(
      TransactionTemplate transaction,
      Uploads uploads,
      ContentKeys contentKeys,
      ManifestSigner signer,
      Releases releases,
      PublicUrls urls,
      ShoalProperties properties,
      MeterRegistry meters) {
    this.transaction = transaction;
    this.uploads = uploads;
    this.contentKeys = contentKeys;
    this.signer = signer;
    this.releases = releases;
    this.urls = urls;
    this.properties = properties;
    this.meters = meters;
    this.timer =
        Timer.builder("shoal.publish.duration")
            .description("Time from a release request to its READY or FAILED state");
    this.releasesRoot = properties.dataDir().resolve("releases").toAbsolutePath().normalize();
    this.executor =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(properties.release().queueCapacity()),
            r -> new Thread(r, "shoal-release-pipeline"));
  }

  /** Queues a run; returns its id at once (state QUEUED). */
  public UUID submit(
      UUID organisationId, String product, String channel, UUID uploadId, String displayVersion) {
    Releases.Channel target = releases.channel(organisationId, product, channel);
    Uploads.SealedFiles build = uploads.sealedFiles(organisationId, target.productId(), uploadId);
    UUID id = releases.insertRun(target, uploadId, displayVersion, Releases.State.QUEUED, 0);
    long queuedAt = System.nanoTime();
    try {
      Run run = new Run(id, organisationId, target, build, displayVersion);
      executor.execute(() -> run(run, queuedAt));
    } catch (RejectedExecutionException e) {
      releases.fail(id, "The release queue is full; try again later");
      throw new Refusal(BUSY, "The release queue is full; try again later");
    }
    return id;
  }

  /** One pipeline run: what it builds, from what, for whom. */
  private record Run(
      UUID id,
      UUID organisationId,
      Releases.Channel target,
      Uploads.SealedFiles files,
      String displayVersion) {}

  private void run(Run run, long queuedAt) {
    UUID id = run.id();
    Releases.Channel target = run.target();
    Path staging = releasesRoot.resolve(".staging").resolve(id.toString());
    String outcome = "failed";
    try {
      Files.createDirectories(staging);
      build(run, staging);
      outcome = "ready";
    } catch (Exception e) {
      log.warn(
          "Release {} of {}/{} failed: {}", id, target.product(), target.channel(), e.toString());
      releases.fail(id, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    } finally {
      deleteQuietly(staging);
      timer
          .tag("result", outcome)
          .register(meters)
          .record(System.nanoTime() - queuedAt, TimeUnit.NANOSECONDS);
    }
  }

  private void build(Run run, Path staging) throws IOException {
    int threads = Runtime.getRuntime().availableProcessors();
    ExecutorService workers =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "shoal-release-worker");
              t.setDaemon(true);
              return t;
            });
    try {
      build(run, staging, workers, threads);
    } finally {
      workers.shutdownNow();
    }
  }

  private void build(Run run, Path staging, ExecutorService workers, int threads)
      throws IOException {
    UUID id = run.id();
    Releases.Channel target = run.target();
    String displayVersion = run.displayVersion();
    Uploads.SealedFiles build = run.files();
    ContentKeys.ContentKey contentKey = contentKeys.current(target.productId());
    PackBuilder packs = new PackBuilder(build.directory(), staging, workers, threads);
    ChunkCipher cipher = new ChunkCipher(contentKey.key());
    // Chunking and encrypting are one pass over the build (PackBuilder.chunkAndEncrypt); the
    // states stay as the API and the dashboard know them, ENCRYPTING for what follows it.
    releases.progress(id, Releases.State.CHUNKING, 0);
    packs.chunkAndEncrypt(
        build.paths(),
        cipher,
        done -> releases.progress(id, Releases.State.CHUNKING, (int) (done * 70)));

    releases.progress(id, Releases.State.ENCRYPTING, 70);
    List<Releases.Release> previous =
        releases.latest(target.channelId(), properties.release().deltaFrom());
    long version = previous.isEmpty() ? 1 : previous.get(0).version() + 1;
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant expires = now.plus(properties.release().manifestTtl());
    ReleaseManifest unpacked =
        ManifestSigner.draft(
            target, version, displayVersion, now, expires, packs, contentKey.keyId());
    PackLayout fullLayout = packs.fullLayout(unpacked);

    releases.progress(id, Releases.State.PACKING, 75);
    String name = target.product() + "-" + target.channel() + "-v" + version;
    String announce = urls.genericAnnounce();
    List<PackBuilder.BuiltPack> built = new ArrayList<>();
    built.add(packs.finishFullPack(fullLayout, name + "-full.pack", announce));
    for (Releases.Release base : previous) {
      ReleaseManifest baseManifest = base.parsedManifest();
      try (PackBuilder.BaseChunks baseChunks = baseChunks(target, base, baseManifest)) {
        PackBuilder.BuiltPack delta =
            packs.deltaPack(
                baseManifest,
                baseChunks,
                unpacked,
                fullLayout,
                cipher,
                name + "-from-v" + base.version() + ".pack",
                announce);
        if (delta != null) {
          built.add(delta);
        }
      }
    }

    releases.progress(id, Releases.State.SIGNING, 90);
    List<PackEntry> entries = built.stream().map(PackBuilder.BuiltPack::entry).toList();
    ManifestSigner.Signed signed = signer.sign(run.organisationId(), unpacked, entries);
    Files.write(staging.resolve("manifest.json"), signed.envelope());
    Path directory =
        releasesRoot.resolve(target.product()).resolve(target.channel()).resolve(id.toString());
    Files.createDirectories(directory.getParent());
    Files.move(staging, directory, StandardCopyOption.ATOMIC_MOVE);
    try {
      record(id, target, signed, directory, built);
    } catch (RuntimeException e) {
      deleteQuietly(directory);
      throw e;
    }
  }

  /**
   * The base's chunks for patches, or null when its full pack or content key is gone (retention, a
   * deleted key): the delta pack then ships whole chunks.
   */
  private PackBuilder.BaseChunks baseChunks(
      Releases.Channel target, Releases.Release base, ReleaseManifest manifest) {
    Path fullPack = Path.of(base.directory()).resolve("full.pack");
    var key = contentKeys.find(target.productId(), base.contentKeyId());
    if (key.isEmpty() || !Files.isRegularFile(fullPack)) {
      log.warn(
          "release v{} has no full pack or content key left: delta pack without patches",
          base.version());
      return null;
    }
    try {
      return new PackBuilder.BaseChunks(fullPack, manifest, key.get().key());
    } catch (IOException e) {
      log.warn("cannot read the full pack of v{}: delta pack without patches", base.version());
      return null;
    }
  }

  /** One transaction: the release, its packs, READY. The channel row lock orders versions. */
  private void record(
      UUID id,
      Releases.Channel target,
      ManifestSigner.Signed signed,
      Path directory,
      List<PackBuilder.BuiltPack> built) {
    long version = signed.manifest().version();
    transaction.executeWithoutResult(
        status -> {
          if (releases.lockNextVersion(target.channelId()) != version) {
            throw new IllegalStateException(
                "Version " + version + " was taken meanwhile (a rollback?); release again");
          }
          releases.insertRelease(id, target.channelId(), signed, directory.toString(), null);
          for (PackBuilder.BuiltPack pack : built) {
            releases.insertPack(
                id,
                target.productId(),
                pack.entry(),
                pack.torrent(),
                directory.resolve(pack.fileName()));
          }
          releases.progress(id, Releases.State.READY, 100);
        });
  }

  private static void deleteQuietly(Path dir) {
    try {
      if (Files.exists(dir)) {
        try (var walk = Files.walk(dir)) {
          for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
    } catch (IOException e) {
      log.warn("Could not delete {}: {}", dir, e.toString());
    }
  }

  /**
   * Runs left unfinished by a previous process (killed mid-pipeline) can never finish: mark them
   * FAILED and drop their staging files. Assumes one control plane per database, as the single-node
   * tracker does.
   */
  @EventListener(ApplicationReadyEvent.class)
  void failInterruptedRuns() {
    int interrupted = releases.failUnfinished();
    if (interrupted > 0) {
      log.warn("Marked {} release runs interrupted by a restart as FAILED", interrupted);
    }
    deleteQuietly(releasesRoot.resolve(".staging"));
  }

  @Override
  public void destroy() {
    executor.shutdownNow();
  }
}
