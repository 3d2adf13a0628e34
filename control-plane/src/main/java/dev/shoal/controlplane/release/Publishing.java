package dev.shoal.controlplane.release;

import static dev.shoal.controlplane.refusal.Refusal.Kind.CONFLICT;
import static dev.shoal.controlplane.refusal.Refusal.Kind.NOT_FOUND;

import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.controlplane.refusal.Refusal;
import dev.shoal.protocol.manifest.ReleaseManifest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
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

  private final TransactionTemplate transaction;
  private final Releases releases;
  private final ManifestSigner signer;
  private final ShoalProperties properties;
  private final ApplicationEventPublisher events;

  Publishing(
      TransactionTemplate transaction,
      Releases releases,
      ManifestSigner signer,
      ShoalProperties properties,
      ApplicationEventPublisher events) {
    this.transaction = transaction;
    this.releases = releases;
    this.signer = signer;
    this.properties = properties;
    this.events = events;
  }

  /** Raised after a release becomes published (the origin seeds its packs). */
  public record ReleasePublished(UUID releaseId) {}

  public void publish(UUID organisationId, UUID id, int rollout) {
    releases.get(organisationId, id);
    releases.publish(id, rollout);
    events.publishEvent(new ReleasePublished(id));
  }

  /** Rollouts only widen: a device that got a release must not lose it to a narrower bucket. */
  public void widen(UUID organisationId, UUID id, int rollout) {
    Releases.Release release = releases.get(organisationId, id);
    if (release.publishedAt() == null) {
      throw new Refusal(CONFLICT, "Publish the release first");
    }
    if (rollout < release.rollout()) {
      throw new Refusal(
          CONFLICT,
          "A rollout only widens: it is at " + release.rollout() + "%; pause or roll back instead");
    }
    releases.rollout(id, rollout);
  }

  public void pause(UUID organisationId, UUID id, boolean paused) {
    releases.get(organisationId, id);
    releases.paused(id, paused);
  }

  /**
   * A new, higher version whose manifest holds the target's files, chunks and packs: devices never
   * go down a version number. Published to everyone at once.
   */
  public UUID rollback(UUID organisationId, String product, String channel, long targetVersion) {
    Releases.Channel where = releases.channel(organisationId, product, channel);
    Releases.Release target =
        releases
            .byVersion(where.channelId(), targetVersion)
            .orElseThrow(
                () -> new Refusal(NOT_FOUND, "No version " + targetVersion + " in " + channel));
    UUID id =
        transaction.execute(status -> insertRollback(organisationId, where, target, targetVersion));
    events.publishEvent(new ReleasePublished(id));
    return id;
  }

  private UUID insertRollback(
      UUID organisationId, Releases.Channel where, Releases.Release target, long targetVersion) {
    long version = releases.lockNextVersion(where.channelId());
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant expires = now.plus(properties.release().manifestTtl());
    ManifestSigner.Signed signed =
        signer.resign(organisationId, target.parsedManifest(), version, now, expires);
    UUID id =
        releases.insertRun(
            where,
            releases.uploadOf(target.id()),
            target.displayVersion(),
            Releases.State.READY,
            100);
    releases.insertRelease(id, where.channelId(), signed, target.directory(), targetVersion);
    releases.publish(id, 100);
    for (Releases.Pack pack : releases.packs(target.id())) {
      signed.manifest().packs().stream()
          .filter(e -> e.infoHash().equals(pack.infoHash()))
          .findFirst()
          .ifPresent(
              e ->
                  releases.insertPack(
                      id, target.productId(), e, pack.torrent(), Path.of(pack.path())));
    }
    return id;
  }

  /** Re-signs with a fresh expiry (and the live signing key), keeping version and content. */
  public void refresh(UUID organisationId, UUID id) {
    Releases.Release release = releases.get(organisationId, id);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant expires = now.plus(properties.release().manifestTtl());
    ReleaseManifest old = release.parsedManifest();
    // createdAt stays: it says when the content was released; only the validity moves on.
    Instant created = old.createdAt().isBefore(expires) ? old.createdAt() : now;
    releases.replaceManifest(
        id, signer.resign(organisationId, old, old.version(), created, expires));
  }

  /**
   * Hourly: re-signs published manifests past half their lifetime, so that an active release never
   * expires on devices.
   */
  @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT1M")
  void refreshAging() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant horizon = now.plus(properties.release().manifestTtl().dividedBy(2));
    for (Releases.Published a : releases.publishedExpiringBefore(horizon)) {
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
}
