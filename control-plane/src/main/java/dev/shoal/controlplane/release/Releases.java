package dev.shoal.controlplane.release;

import dev.shoal.controlplane.refusal.Refusal;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.signing.SignedEnvelope;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Reads releases and their packs, always scoped to an organisation (or, for devices, a product).
 */
@Service
public class Releases {

  private final JdbcClient jdbc;

  Releases(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  public enum State {
    QUEUED,
    CHUNKING,
    ENCRYPTING,
    PACKING,
    SIGNING,
    READY,
    FAILED
  }

  /** A pipeline run and, once READY, the release it made. */
  public record ReleaseView(
      UUID id,
      String product,
      String channel,
      State state,
      int percent,
      String error,
      Long version,
      String displayVersion,
      String contentKeyId,
      String signingKeyId,
      Long rollbackOf,
      Integer rollout,
      boolean paused,
      OffsetDateTime publishedAt,
      OffsetDateTime expiresAt,
      Long fullPackBytes,
      Long deltaPackBytes,
      OffsetDateTime createdAt) {}

  /** A stored release, for publishing and for devices. */
  public record Release(
      UUID id,
      UUID productId,
      UUID channelId,
      long version,
      String displayVersion,
      String contentKeyId,
      byte[] manifest,
      String directory,
      int rollout,
      boolean paused,
      OffsetDateTime publishedAt,
      OffsetDateTime expiresAt) {

    public ReleaseManifest parsedManifest() {
      return ManifestCodec.parse(SignedEnvelope.parse(manifest).payload());
    }
  }

  /** A pack as stored: enough to serve it and to check who may have it. */
  public record Pack(
      UUID releaseId,
      String infoHash,
      UUID productId,
      String kind,
      long totalSize,
      byte[] torrent,
      String path) {}

  private static final String VIEW =
      """
      select s.id, p.slug as product, c.name as channel, s.state, s.percent, s.error, r.version,
             s.display_version, r.content_key_id, r.signing_key_id, r.rollback_of, r.rollout,
             coalesce(r.paused, false) as paused, r.published_at, r.expires_at,
             (select sum(total_size) from packs k where k.release_id = r.id and k.kind = 'full')
               as full_pack_bytes,
             (select sum(total_size) from packs k where k.release_id = r.id and k.kind = 'delta')
               as delta_pack_bytes,
             s.created_at
      from release_state s join products p on p.id = s.product_id
      join channels c on c.id = s.channel_id left join releases r on r.id = s.id
      """;

  public ReleaseView view(UUID organisationId, UUID id) {
    return jdbc.sql(VIEW + " where s.id = ? and p.organisation_id = ?")
        .params(id, organisationId)
        .query(ReleaseView.class)
        .optional()
        .orElseThrow(() -> notFound(id));
  }

  public List<ReleaseView> list(UUID organisationId, String product, String channel) {
    boolean exists =
        jdbc.sql(
                    "select count(*) from channels c join products p on p.id = c.product_id"
                        + " where p.organisation_id = ? and p.slug = ? and c.name = ?")
                .params(organisationId, product, channel)
                .query(Long.class)
                .single()
            == 1;
    if (!exists) {
      throw new Refusal.NotFound("No channel '" + channel + "' in product '" + product + "'");
    }
    return jdbc.sql(
            VIEW
                + " where p.organisation_id = ? and p.slug = ? and c.name = ?"
                + " order by r.version desc nulls first, s.created_at desc")
        .params(organisationId, product, channel)
        .query(ReleaseView.class)
        .list();
  }

  private static final String RELEASE =
      """
      select r.id, c.product_id, r.channel_id, r.version, r.display_version, r.content_key_id,
             r.manifest, r.directory, r.rollout, r.paused, r.published_at, r.expires_at
      from releases r join channels c on c.id = r.channel_id
      """;

  /** A READY release of the organisation. */
  public Release get(UUID organisationId, UUID id) {
    return jdbc.sql(
            RELEASE
                + " join products p on p.id = c.product_id where r.id = ? and p.organisation_id = ?")
        .params(id, organisationId)
        .query(Release.class)
        .optional()
        .orElseThrow(() -> new Refusal.NotFound("No finished release " + id + " (see its state)"));
  }

  public Optional<Release> byVersion(UUID channelId, long version) {
    return jdbc.sql(RELEASE + " where r.channel_id = ? and r.version = ?")
        .params(channelId, version)
        .query(Release.class)
        .optional();
  }

  /** The channel's newest releases, newest first. */
  public List<Release> latest(UUID channelId, int count) {
    return jdbc.sql(RELEASE + " where r.channel_id = ? order by r.version desc limit ?")
        .params(channelId, count)
        .query(Release.class)
        .list();
  }

  /** Published, not paused, newest first: the candidates a device's bucket chooses from. */
  public List<Release> published(UUID channelId) {
    return jdbc.sql(
            RELEASE
                + " where r.channel_id = ? and r.published_at is not null and not r.paused"
                + " order by r.version desc")
        .param(channelId)
        .query(Release.class)
        .list();
  }

  /** Every published release's packs: what the origin seeds. */
  public List<Pack> publishedPacks() {
    return jdbc.sql(
            "select k.release_id, k.info_hash, k.product_id, k.kind, k.total_size, k.torrent,"
                + " k.path from packs k join releases r on r.id = k.release_id"
                + " where r.published_at is not null")
        .query(Pack.class)
        .list();
  }

  public List<Pack> packs(UUID releaseId) {
    return jdbc.sql(
            "select release_id, info_hash, product_id, kind, total_size, torrent, path from packs"
                + " where release_id = ?")
        .param(releaseId)
        .query(Pack.class)
        .list();
  }

  /** A pack by info hash, from any release (a rollback shares its target's packs). */
  public Optional<Pack> pack(String infoHash) {
    return jdbc.sql(
            "select release_id, info_hash, product_id, kind, total_size, torrent, path from packs"
                + " where info_hash = ? limit 1")
        .param(infoHash)
        .query(Pack.class)
        .optional();
  }

  /** The product of a pack, by info hash, without reading its torrent (the tracker's check). */
  public Optional<UUID> packProduct(String infoHash) {
    return jdbc.sql("select product_id from packs where info_hash = ? limit 1")
        .param(infoHash)
        .query(UUID.class)
        .optional();
  }

  /** The organisation's release id, if the device-facing world names it (telemetry). */
  public Optional<UUID> productOf(UUID releaseId) {
    return jdbc.sql(
            "select c.product_id from releases r join channels c on c.id = r.channel_id"
                + " where r.id = ?")
        .param(releaseId)
        .query(UUID.class)
        .optional();
  }

  private static Refusal.NotFound notFound(UUID id) {
    return new Refusal.NotFound("No release " + id);
  }
}
