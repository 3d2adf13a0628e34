package dev.shoal.controlplane.release;

import static dev.shoal.controlplane.refusal.Refusal.Kind.NOT_FOUND;

import dev.shoal.controlplane.refusal.Refusal;
import dev.shoal.controlplane.release.ManifestSigner.Signed;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.PackEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.signing.SignedEnvelope;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The one owner of the release tables' SQL ({@code release_state}, {@code releases}, {@code
 * packs}): the pipeline and publishing write through it, the other features read through it. Reads
 * are scoped to an organisation (or, for devices, a product); the callers own the transactions.
 */
@Repository
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
             (select k.total_size from packs k where k.release_id = r.id and k.kind = 'delta'
                and k.base_version = (select max(b.version) from releases b
                                      where b.channel_id = r.channel_id and b.version < r.version))
               as delta_pack_bytes,
             s.created_at
      from release_state s join products p on p.id = s.product_id
      join channels c on c.id = s.channel_id left join releases r on r.id = s.id
      """;

  /** A delta pack's size: what a device on {@code fromVersion} fetches. */
  public record DeltaSize(long fromVersion, long bytes) {}

  /** The release's delta packs, newest base first (authorised like {@link #view}). */
  public List<DeltaSize> deltaSizes(UUID organisationId, UUID id) {
    view(organisationId, id);
    return jdbc.sql(
            "select base_version as from_version, total_size as bytes from packs"
                + " where release_id = ? and kind = 'delta' order by base_version desc")
        .param(id)
        .query(DeltaSize.class)
        .list();
  }

  public ReleaseView view(UUID organisationId, UUID id) {
    return jdbc.sql(VIEW + " where s.id = ? and p.organisation_id = ?")
        .params(id, organisationId)
        .query(ReleaseView.class)
        .optional()
        .orElseThrow(() -> notFound(id));
  }

  public List<ReleaseView> list(UUID organisationId, String product, String channel) {
    channel(organisationId, product, channel);
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
        .orElseThrow(
            () -> new Refusal(NOT_FOUND, "No finished release " + id + " (see its state)"));
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

  private static final String PACK =
      """
      select k.release_id, k.info_hash, k.product_id, k.kind, k.total_size, k.torrent, k.path
      from packs k
      """;

  /** Every published release's packs: what the origin seeds. */
  public List<Pack> publishedPacks() {
    return jdbc.sql(
            PACK + " join releases r on r.id = k.release_id where r.published_at is not null")
        .query(Pack.class)
        .list();
  }

  public List<Pack> packs(UUID releaseId) {
    return jdbc.sql(PACK + " where k.release_id = ?").param(releaseId).query(Pack.class).list();
  }

  /** A pack by info hash, from any release (a rollback shares its target's packs). */
  public Optional<Pack> pack(String infoHash) {
    return jdbc.sql(PACK + " where k.info_hash = ? limit 1")
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

  /** A product's channel, resolved within an organisation. */
  public record Channel(UUID productId, String product, UUID channelId, String channel) {}

  public Channel channel(UUID organisationId, String product, String channel) {
    return jdbc.sql(
            "select p.id as product_id, p.slug as product, c.id as channel_id, c.name as channel"
                + " from products p join channels c on c.product_id = p.id"
                + " where p.organisation_id = ? and p.slug = ? and c.name = ?")
        .params(organisationId, product, channel)
        .query(Channel.class)
        .optional()
        .orElseThrow(
            () ->
                new Refusal(
                    NOT_FOUND, "No channel '" + channel + "' in product '" + product + "'"));
  }

  // Writes: pipeline runs.

  /** A new pipeline run (or a rollback's, born READY); returns its id, the release's id to be. */
  UUID insertRun(Channel channel, UUID uploadId, String displayVersion, State state, int percent) {
    return jdbc.sql(
            "insert into release_state (product_id, channel_id, upload_id, display_version,"
                + " state, percent) values (?, ?, ?, ?, ?, ?) returning id")
        .params(
            channel.productId(),
            channel.channelId(),
            uploadId,
            displayVersion,
            state.name(),
            percent)
        .query(UUID.class)
        .single();
  }

  UUID uploadOf(UUID runId) {
    return jdbc.sql("select upload_id from release_state where id = ?")
        .param(runId)
        .query(UUID.class)
        .single();
  }

  void progress(UUID id, State state, int percent) {
    int clamped = Math.min(100, Math.max(0, percent));
    jdbc.sql(
            "update release_state set state = ?, percent = ?, updated_at = now() where id = ?"
                + " and (state <> ? or percent <> ?)")
        .params(state.name(), clamped, id, state.name(), percent)
        .update();
  }

  void fail(UUID id, String error) {
    jdbc.sql(
            "update release_state set state = 'FAILED', error = ?, updated_at = now() where id = ?")
        .params(error.length() > 1000 ? error.substring(0, 1000) : error, id)
        .update();
  }

  /** Marks the runs a previous process left unfinished FAILED; returns how many. */
  int failUnfinished() {
    return jdbc.sql(
            "update release_state set state = 'FAILED', error = 'Interrupted by a restart;"
                + " release again', updated_at = now() where state not in ('READY', 'FAILED')")
        .update();
  }

  // Writes: releases and packs.

  /**
   * Locks the channel row until the transaction ends and returns the next version: versions stay
   * dense even when a pipeline and a rollback finish at once. Call within a transaction.
   */
  long lockNextVersion(UUID channelId) {
    jdbc.sql("select id from channels where id = ? for update")
        .param(channelId)
        .query()
        .singleRow();
    return jdbc.sql("select coalesce(max(version), 0) + 1 from releases where channel_id = ?")
        .param(channelId)
        .query(Long.class)
        .single();
  }

  /** The release a run made; {@code rollbackOf} is the target's version, or null. */
  void insertRelease(UUID id, UUID channelId, Signed signed, String directory, Long rollbackOf) {
    ReleaseManifest m = signed.manifest();
    jdbc.sql(
            "insert into releases (id, channel_id, version, display_version, content_key_id,"
                + " signing_key_id, manifest, expires_at, directory, rollback_of)"
                + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .params(
            id,
            channelId,
            m.version(),
            m.displayVersion(),
            m.contentKeyId(),
            m.signingKeyId(),
            signed.envelope(),
            Timestamp.from(m.expiresAt()),
            directory,
            rollbackOf)
        .update();
  }

  /** A pack of a release; a rollback's point at its target's pack files. */
  void insertPack(UUID releaseId, UUID productId, PackEntry entry, byte[] torrent, Path file) {
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

  /** Published from now on (the first time) at this rollout. */
  void publish(UUID id, int rollout) {
    jdbc.sql(
            "update releases set published_at = coalesce(published_at, now()), rollout = ?"
                + " where id = ?")
        .params(rollout, id)
        .update();
  }

  void rollout(UUID id, int rollout) {
    jdbc.sql("update releases set rollout = ? where id = ?").params(rollout, id).update();
  }

  void paused(UUID id, boolean paused) {
    jdbc.sql("update releases set paused = ? where id = ?").params(paused, id).update();
  }

  /** A re-signed manifest of the same release. */
  void replaceManifest(UUID id, Signed signed) {
    jdbc.sql("update releases set manifest = ?, expires_at = ?, signing_key_id = ? where id = ?")
        .params(
            signed.envelope(),
            Timestamp.from(signed.manifest().expiresAt()),
            signed.manifest().signingKeyId(),
            id)
        .update();
  }

  /** A published release and its organisation. */
  record Published(UUID id, UUID organisationId) {}

  /** Published releases whose manifest expires before {@code horizon}. */
  List<Published> publishedExpiringBefore(Instant horizon) {
    return jdbc.sql(
            "select r.id, p.organisation_id from releases r join channels c on c.id ="
                + " r.channel_id join products p on p.id = c.product_id"
                + " where r.published_at is not null and r.expires_at < ?")
        .param(Timestamp.from(horizon))
        .query(Published.class)
        .list();
  }

  private static Refusal notFound(UUID id) {
    return new Refusal(NOT_FOUND, "No release " + id);
  }
}
