package dev.shoal.controlplane.publish;

import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.controlplane.refusal.Refusal;
import dev.shoal.controlplane.release.ManifestSigner;
import dev.shoal.controlplane.release.ReleasePipeline;
import dev.shoal.controlplane.release.Releases;
import dev.shoal.protocol.manifest.ReleaseManifest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publishing, staged rollout, pause, rollback, and keeping published manifests fresh. A device's
 * bucket is stable: the first four bytes of SHA-256(device id, LF, channel id) mod 100; it gets the
 * newest published, unpaused release whose rollout is above its bucket.
 */
@Service
public class Publishing {

  private static final Logger log = LoggerFactory.getLogger(Publishing.class);

  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final Releases releases;
  private final ManifestSigner signer;
  private final ReleasePipeline pipeline;
  private final ShoalProperties properties;
  private final ApplicationEventPublisher events;

  Publishing(
      JdbcClient jdbc,
      TransactionTemplate transaction,
      Releases releases,
      ManifestSigner signer,
      ReleasePipeline pipeline,
      ShoalProperties properties,
      ApplicationEventPublisher events) {
    this.jdbc = jdbc;
    this.transaction = transaction;
    this.releases = releases;
    this.signer = signer;
    this.pipeline = pipeline;
    this.properties = properties;
    this.events = events;
  }

  /** Raised after a release becomes published (the origin seeds its packs). */
  public record ReleasePublished(UUID releaseId) {}

  public void publish(UUID organisationId, UUID id, int rollout) {
    releases.get(organisationId, id);
    jdbc.sql(
            "update releases set published_at = coalesce(published_at, now()), rollout = ?"
                + " where id = ?")
        .params(rollout, id)
        .update();
    events.publishEvent(new ReleasePublished(id));
  }

  /** Rollouts only widen: a device that got a release must not lose it to a narrower bucket. */
  public void widen(UUID organisationId, UUID id, int rollout) {
    Releases.Release release = releases.get(organisationId, id);
    if (release.publishedAt() == null) {
      throw new Refusal.Conflict("Publish the release first");
    }
    if (rollout < release.rollout()) {
      throw new Refusal.Conflict(
          "A rollout only widens: it is at " + release.rollout() + "%; pause or roll back instead");
    }
    jdbc.sql("update releases set rollout = ? where id = ?").params(rollout, id).update();
  }

  public void pause(UUID organisationId, UUID id, boolean paused) {
    releases.get(organisationId, id);
    jdbc.sql("update releases set paused = ? where id = ?").params(paused, id).update();
  }

  /**
   * A new, higher version whose manifest holds the target's files, chunks and packs: devices never
   * go down a version number. Published to everyone at once.
   */
  public UUID rollback(UUID organisationId, String product, String channel, long targetVersion) {
    UUID channelId = channelId(organisationId, product, channel);
    Releases.Release target =
        releases
            .byVersion(channelId, targetVersion)
            .orElseThrow(
                () -> new Refusal.NotFound("No version " + targetVersion + " in " + channel));
    UUID id =
        transaction.execute(
            status -> insertRollback(organisationId, channelId, target, targetVersion));
    events.publishEvent(new ReleasePublished(id));
    return id;
  }

  private UUID insertRollback(
      UUID organisationId, UUID channelId, Releases.Release target, long targetVersion) {
    jdbc.sql("select id from channels where id = ? for update")
        .param(channelId)
        .query()
        .singleRow();
    long version =
        jdbc.sql("select coalesce(max(version), 0) + 1 from releases where channel_id = ?")
            .param(channelId)
            .query(Long.class)
            .single();
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant expires = now.plus(properties.release().manifestTtl());
    ManifestSigner.Signed signed =
        signer.sign(
            organisationId,
            keyId -> ManifestSigner.copy(target.parsedManifest(), version, now, expires, keyId));
    UUID uploadId =
        jdbc.sql("select upload_id from release_state where id = ?")
            .param(target.id())
            .query(UUID.class)
            .single();
    UUID id =
        jdbc.sql(
                "insert into release_state (product_id, channel_id, upload_id, display_version,"
                    + " state, percent) values (?, ?, ?, ?, 'READY', 100) returning id")
            .params(target.productId(), channelId, uploadId, target.displayVersion())
            .query(UUID.class)
            .single();
    ReleaseManifest m = signed.manifest();
    jdbc.sql(
            "insert into releases (id, channel_id, version, display_version, content_key_id,"
                + " signing_key_id, manifest, expires_at, directory, rollback_of, rollout,"
                + " published_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 100, now())")
        .params(
            id,
            channelId,
            version,
            m.displayVersion(),
            m.contentKeyId(),
            m.signingKeyId(),
            signed.envelope(),
            Timestamp.from(expires),
            target.directory(),
            targetVersion)
        .update();
    for (Releases.Pack pack : releases.packs(target.id())) {
      m.packs().stream()
          .filter(e -> e.infoHash().equals(pack.infoHash()))
          .findFirst()
          .ifPresent(
              e ->
                  pipeline.insertPack(
                      id, target.productId(), e, pack.torrent(), Path.of(pack.path())));
    }
    return id;
  }

  /** Re-signs with a fresh expiry (and the live signing key), keeping version and content. */
  public void refresh(UUID organisationId, UUID id) {
    Releases.Release release = releases.get(organisationId, id);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant expires = now.plus(properties.release().manifestTtl());
    ManifestReleases.resign(jdbc, signer, organisationId, release, now, expires);
  }

  /**
   * Hourly: re-signs published manifests past half their lifetime, so that an active release never
   * expires on devices.
   */
  @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT1M")
  void refreshAging() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant horizon = now.plus(properties.release().manifestTtl().dividedBy(2));
    record Aging(UUID id, UUID organisationId) {}
    List<Aging> aging =
        jdbc.sql(
                "select r.id, p.organisation_id from releases r join channels c on c.id ="
                    + " r.channel_id join products p on p.id = c.product_id"
                    + " where r.published_at is not null and r.expires_at < ?")
            .param(Timestamp.from(horizon))
            .query(Aging.class)
            .list();
    for (Aging a : aging) {
      try {
        refresh(a.organisationId(), a.id());
      } catch (RuntimeException e) {
        log.error("Could not refresh the manifest of release {}", a.id(), e);
      }
    }
  }

  /** The release this device gets on this channel, if any. */
  public Optional<Releases.Release> forDevice(UUID channelId, String deviceId) {
    int bucket = bucket(deviceId, channelId);
    return releases.published(channelId).stream().filter(r -> bucket < r.rollout()).findFirst();
  }

  static int bucket(String deviceId, UUID channelId) {
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256")
              .digest((deviceId + "\n" + channelId).getBytes(StandardCharsets.UTF_8));
      long v =
          ((h[0] & 0xffL) << 24) | ((h[1] & 0xffL) << 16) | ((h[2] & 0xffL) << 8) | (h[3] & 0xffL);
      return (int) (v % 100);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public UUID channelId(UUID organisationId, String product, String channel) {
    return jdbc.sql(
            "select c.id from channels c join products p on p.id = c.product_id"
                + " where p.organisation_id = ? and p.slug = ? and c.name = ?")
        .params(organisationId, product, channel)
        .query(UUID.class)
        .optional()
        .orElseThrow(
            () ->
                new Refusal.NotFound("No channel '" + channel + "' in product '" + product + "'"));
  }
}
