package dev.shoal.controlplane.release;

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
import org.springframework.jdbc.core.simple.JdbcClient;
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

  private final JdbcClient jdbc;
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
      JdbcClient jdbc,
      TransactionTemplate transaction,
      Uploads uploads,
      ContentKeys contentKeys,
      ManifestSigner signer,
      Releases releases,
      PublicUrls urls,
      ShoalProperties properties,
      MeterRegistry meters) {
    this.jdbc = jdbc;
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

  /** The product and channel a run belongs to, resolved within the caller's organisation. */
  private record Target(UUID productId, String product, UUID channelId, String channel) {}

  /** Queues a run; returns its id at once (state QUEUED). */
  public UUID submit(
      UUID organisationId, String product, String channel, UUID uploadId, String displayVersion) {
    Target target = target(organisationId, product, channel);
    Uploads.SealedFiles build = uploads.sealedFiles(organisationId, target.productId(), uploadId);
    UUID id =
        jdbc.sql(
                "insert into release_state (product_id, channel_id, upload_id, display_version,"
                    + " state) values (?, ?, ?, ?, 'QUEUED') returning id")
            .params(target.productId(), target.channelId(), uploadId, displayVersion)
            .query(UUID.class)
            .single();
    long queuedAt = System.nanoTime();
    try {
      executor.execute(() -> run(id, organisationId, target, build, displayVersion, queuedAt));
    } catch (RejectedExecutionException e) {
      fail(id, "The release queue is full; try again later");
      throw new Refusal.Busy("The release queue is full; try again later");
    }
    return id;
  }

  private Target target(UUID organisationId, String product, String channel) {
    return jdbc.sql(
            "select p.id as product_id, p.slug as product, c.id as channel_id, c.name as channel"
                + " from products p join channels c on c.product_id = p.id"
                + " where p.organisation_id = ? and p.slug = ? and c.name = ?")
        .params(organisationId, product, channel)
        .query(Target.class)
        .optional()
        .orElseThrow(
            () ->
                new Refusal.NotFound("No channel '" + channel + "' in product '" + product + "'"));
  }

  private void run(
      UUID id,
      UUID organisationId,
      Target target,
      Uploads.SealedFiles build,
      String displayVersion,
      long queuedAt) {
    Path staging = releasesRoot.resolve(".staging").resolve(id.toString());
    String outcome = "failed";
    try {
      Files.createDirectories(staging);
      build(id, organisationId, target, build, displayVersion, staging);
      outcome = "ready";
    } catch (Exception e) {
      log.warn(
          "Release {} of {}/{} failed: {}", id, target.product(), target.channel(), e.toString());
      fail(id, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    } finally {
      deleteQuietly(staging);
      timer
          .tag("result", outcome)
          .register(meters)
          .record(System.nanoTime() - queuedAt, TimeUnit.NANOSECONDS);
    }
  }

  private void build(
      UUID id,
      UUID organisationId,
      Target target,
      Uploads.SealedFiles build,
      String displayVersion,
      Path staging)
      throws IOException {
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
      build(id, organisationId, target, build, displayVersion, staging, workers, threads);
    } finally {
      workers.shutdownNow();
    }
  }

  private void build(
      UUID id,
      UUID organisationId,
      Target target,
      Uploads.SealedFiles build,
      String displayVersion,
      Path staging,
      ExecutorService workers,
      int threads)
      throws IOException {
    ContentKeys.ContentKey contentKey = contentKeys.current(target.productId());
    PackBuilder packs = new PackBuilder(build.directory(), staging, workers, threads);
    progress(id, Releases.State.CHUNKING, 0);
    packs.chunk(build.paths(), done -> progress(id, Releases.State.CHUNKING, (int) (done * 40)));

    progress(id, Releases.State.ENCRYPTING, 40);
    List<Releases.Release> previous =
        releases.latest(target.channelId(), properties.release().deltaFrom());
    long version = previous.isEmpty() ? 1 : previous.get(0).version() + 1;
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant expires = now.plus(properties.release().manifestTtl());
    ReleaseManifest unpacked =
        manifest(target, version, displayVersion, now, expires, packs, List.of(), contentKey);
    PackLayout fullLayout = packs.encryptFullPack(unpacked, new ChunkCipher(contentKey.key()));

    progress(id, Releases.State.PACKING, 70);
    String name = target.product() + "-" + target.channel() + "-v" + version;
    String announce = urls.genericAnnounce();
    List<PackBuilder.BuiltPack> built = new ArrayList<>();
    built.add(packs.finishFullPack(fullLayout, name + "-full.pack", announce));
    for (Releases.Release base : previous) {
      PackBuilder.BuiltPack delta =
          packs.deltaPack(
              base.parsedManifest(),
              unpacked,
              fullLayout,
              name + "-from-v" + base.version() + ".pack",
              announce);
      if (delta != null) {
        built.add(delta);
      }
    }

    progress(id, Releases.State.SIGNING, 90);
    List<PackEntry> entries = built.stream().map(PackBuilder.BuiltPack::entry).toList();
    ManifestSigner.Signed signed =
        signer.sign(
            organisationId,
            keyId ->
                ManifestSigner.copy(
                    manifest(
                        target, version, displayVersion, now, expires, packs, entries, contentKey),
                    version,
                    now,
                    expires,
                    keyId));
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

  private ReleaseManifest manifest(
      Target target,
      long version,
      String displayVersion,
      Instant now,
      Instant expires,
      PackBuilder packs,
      List<PackEntry> entries,
      ContentKeys.ContentKey contentKey) {
    return new ReleaseManifest(
        target.product(),
        target.channel(),
        version,
        displayVersion,
        now,
        expires,
        packs.files(),
        packs.chunks(),
        entries,
        contentKey.keyId(),
        "0".repeat(32));
  }

  /** One transaction: the release, its packs, READY. The channel row lock orders versions. */
  private void record(
      UUID id,
      Target target,
      ManifestSigner.Signed signed,
      Path directory,
      List<PackBuilder.BuiltPack> built) {
    ReleaseManifest m = signed.manifest();
    transaction.executeWithoutResult(
        status -> {
          jdbc.sql("select id from channels where id = ? for update")
              .param(target.channelId())
              .query()
              .singleRow();
          long max =
              jdbc.sql("select coalesce(max(version), 0) from releases where channel_id = ?")
                  .param(target.channelId())
                  .query(Long.class)
                  .single();
          if (max + 1 != m.version()) {
            throw new IllegalStateException(
                "Version " + m.version() + " was taken meanwhile (a rollback?); release again");
          }
          jdbc.sql(
                  "insert into releases (id, channel_id, version, display_version, content_key_id,"
                      + " signing_key_id, manifest, expires_at, directory)"
                      + " values (?, ?, ?, ?, ?, ?, ?, ?, ?)")
              .params(
                  id,
                  target.channelId(),
                  m.version(),
                  m.displayVersion(),
                  m.contentKeyId(),
                  m.signingKeyId(),
                  signed.envelope(),
                  java.sql.Timestamp.from(m.expiresAt()),
                  directory.toString())
              .update();
          for (PackBuilder.BuiltPack pack : built) {
            insertPack(
                id,
                target.productId(),
                pack.entry(),
                pack.torrent(),
                directory.resolve(pack.fileName()));
          }
          progress(id, Releases.State.READY, 100);
        });
  }

  /** Also used by rollbacks, which point at their target's pack files. */
  public void insertPack(
      UUID releaseId, UUID productId, PackEntry entry, byte[] torrent, Path file) {
    jdbc.sql(
            "insert into packs (release_id, info_hash, product_id, kind, base_version, total_size,"
                + " piece_length, torrent, path) values (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .params(
            releaseId,
            entry.infoHash(),
            productId,
            entry.kind(),
            entry.baseVersion(),
            entry.totalSize(),
            entry.pieceLength(),
            torrent,
            file.toString())
        .update();
  }

  private void progress(UUID id, Releases.State state, int percent) {
    jdbc.sql(
            "update release_state set state = ?, percent = ?, updated_at = now() where id = ?"
                + " and (state <> ? or percent <> ?)")
        .params(state.name(), Math.min(100, Math.max(0, percent)), id, state.name(), percent)
        .update();
  }

  private void fail(UUID id, String error) {
    jdbc.sql(
            "update release_state set state = 'FAILED', error = ?, updated_at = now() where id = ?")
        .params(error.length() > 1000 ? error.substring(0, 1000) : error, id)
        .update();
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
    int interrupted =
        jdbc.sql(
                "update release_state set state = 'FAILED', error = 'Interrupted by a restart;"
                    + " release again', updated_at = now() where state not in ('READY', 'FAILED')")
            .update();
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
