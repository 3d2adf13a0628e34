package dev.shoal.controlplane.device;

import static dev.shoal.controlplane.refusal.Refusal.Kind.FORBIDDEN;
import static dev.shoal.controlplane.refusal.Refusal.Kind.NOT_FOUND;

import dev.shoal.controlplane.keys.MasterKey;
import dev.shoal.controlplane.organisation.Organisations;
import dev.shoal.controlplane.refusal.Refusal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Enrolled devices. The id is derived from the device's Ed25519 key (as the agent derives it); the
 * passkey (for tracker and origin URLs) is random and stored only as its SHA-256.
 */
@Service
public class Devices {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final JdbcClient jdbc;
  private final Organisations organisations;
  private final ApplicationEventPublisher events;

  private final MasterKey masterKey;

  Devices(
      JdbcClient jdbc,
      Organisations organisations,
      ApplicationEventPublisher events,
      MasterKey masterKey) {
    this.jdbc = jdbc;
    this.masterKey = masterKey;
    this.organisations = organisations;
    this.events = events;
  }

  /** A device as the rest of the control plane sees it. */
  public record Device(
      String id,
      UUID organisationId,
      byte[] signingKey,
      byte[] agreementKey,
      String region,
      String player,
      OffsetDateTime createdAt,
      OffsetDateTime revokedAt) {}

  /**
   * What the admin API lists: only what the control plane already records about a device. Last seen
   * is its latest signed contact (enrolment, a content key, a download report, a consent answer);
   * the installed version is that of its latest successful download report (null: none).
   */
  public record DeviceSummary(
      String id,
      String region,
      String player,
      OffsetDateTime createdAt,
      OffsetDateTime revokedAt,
      RevokedBy revokedBy,
      OffsetDateTime lastSeenAt,
      String installedProduct,
      Long installedVersion,
      String installedDisplayVersion) {}

  /** Raised when a device is revoked, so that the tracker forgets it at once. */
  public record DeviceRevoked(String deviceId) {}

  /**
   * Raised when a live device's passkey or player changes (re-enrolment, entitlement token), so
   * that nothing cached under its old passkey or player outlives the change.
   */
  public record DeviceChanged(String deviceId) {}

  public record Enrolment(String deviceId, String passkey) {}

  private static final String COLUMNS =
      "id, organisation_id, signing_key, agreement_key, region, player, created_at, revoked_at";

  /** d- + hex of the first 16 bytes of SHA-256 of the raw Ed25519 key (edge-agent README). */
  public static String deviceId(byte[] signingKey) {
    return "d-" + HexFormat.of().formatHex(sha256(signingKey), 0, 16);
  }

  /**
   * Enrols a device, or gives an enrolled one a new passkey (the old one stops working): the caller
   * proved possession of the signing key, so this is the device itself re-enrolling.
   */
  Enrolment enrol(String organisation, byte[] signingKey, byte[] agreementKey, String region) {
    UUID organisationId =
        organisations
            .findBySlug(organisation)
            .orElseThrow(() -> new Refusal(NOT_FOUND, "No organisation '" + organisation + "'"))
            .id();
    String id = deviceId(signingKey);
    Optional<Device> existing = find(id);
    if (existing.isPresent()
        && (existing.get().revokedAt() != null
            || !existing.get().organisationId().equals(organisationId))) {
      throw new Refusal(FORBIDDEN, "This device may not enrol");
    }
    String passkey = HexFormat.of().formatHex(random(20));
    jdbc.sql(
            "insert into devices (id, organisation_id, signing_key, agreement_key, passkey_sha256,"
                + " passkey_sealed, region) values (?, ?, ?, ?, ?, ?, ?) on conflict (id) do"
                + " update set agreement_key = excluded.agreement_key, passkey_sha256 ="
                + " excluded.passkey_sha256, passkey_sealed = excluded.passkey_sealed,"
                + " region = excluded.region")
        .params(
            id,
            organisationId,
            signingKey,
            agreementKey,
            passkeyHash(passkey),
            masterKey.seal(sealId(id), passkey.getBytes(StandardCharsets.US_ASCII)),
            region)
        .update();
    if (existing.isPresent()) {
      events.publishEvent(new DeviceChanged(id));
    }
    return new Enrolment(id, passkey);
  }

  public Optional<Device> find(String id) {
    return jdbc.sql("select " + COLUMNS + " from devices where id = ?")
        .param(id)
        .query(Device.class)
        .optional();
  }

  /** The live device holding this passkey. */
  public Optional<Device> byPasskey(String passkey) {
    if (!isPasskeyShaped(passkey)) {
      return Optional.empty();
    }
    return jdbc.sql(
            "select " + COLUMNS + " from devices where passkey_sha256 = ? and revoked_at is null")
        .param(passkeyHash(passkey))
        .query(Device.class)
        .optional();
  }

  /** 40 lowercase hex digits, as {@link #enrol} makes them (no regex: this runs per announce). */
  static boolean isPasskeyShaped(String passkey) {
    if (passkey == null || passkey.length() != 40) {
      return false;
    }
    for (int i = 0; i < 40; i++) {
      char c = passkey.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  /** The device's passkey, for the announce URL in its torrents. */
  public String passkey(String deviceId) {
    byte[] sealed =
        jdbc.sql("select passkey_sealed from devices where id = ?")
            .param(deviceId)
            .query(byte[].class)
            .single();
    return new String(masterKey.open(sealId(deviceId), sealed), StandardCharsets.US_ASCII);
  }

  // The master key's AAD is a row id; device ids are not UUIDs, so derive one.
  private static UUID sealId(String deviceId) {
    return UUID.nameUUIDFromBytes(deviceId.getBytes(StandardCharsets.US_ASCII));
  }

  /** Links the device to the player an entitlement token named. */
  public void linkPlayer(String deviceId, String player) {
    jdbc.sql("update devices set player = ? where id = ?").params(player, deviceId).update();
    events.publishEvent(new DeviceChanged(deviceId));
  }

  /** One page of an organisation's devices, newest first; {@code next} is null on the last. */
  record Page(List<DeviceSummary> devices, String next) {}

  /**
   * Up to {@code limit} devices enrolled before the device {@code after} (the previous page's last;
   * null for the first page), newest first. Each device's latest contact and install are read by
   * its own index rows, so a page costs the same whatever the size of the fleet.
   *
   * @throws IllegalArgumentException when {@code after} names no device of the organisation
   */
  Page list(UUID organisationId, int limit, String after) {
    OffsetDateTime afterCreated = null;
    if (after != null) {
      afterCreated =
          jdbc.sql("select created_at from devices where id = ? and organisation_id = ?")
              .params(after, organisationId)
              .query(OffsetDateTime.class)
              .optional()
              .orElseThrow(() -> new IllegalArgumentException("No device " + after));
    }
    List<DeviceSummary> rows =
        jdbc.sql(
                """
                select d.id, d.region, d.player, d.created_at, d.revoked_at, d.revoked_by,
                       greatest(d.created_at, t.at, k.at, c.at) as last_seen_at,
                       i.product as installed_product, i.version as installed_version,
                       i.display_version as installed_display_version
                from (select * from devices
                      where organisation_id = ?
                        and (cast(? as timestamptz) is null
                             or (created_at, id) < (cast(? as timestamptz), ?))
                      order by created_at desc, id desc limit ?) d
                left join lateral (select max(received_at) as at from telemetry_reports
                                   where device_id = d.id) t on true
                left join lateral (select max(granted_at) as at from key_grants
                                   where device_id = d.id) k on true
                left join lateral (select max(received_at) as at from consent_records
                                   where device_id = d.id and organisation_id = d.organisation_id)
                  c on true
                left join lateral (select p.slug as product, r.version, r.display_version
                                   from telemetry_reports t join releases r on r.id = t.release_id
                                   join channels ch on ch.id = r.channel_id
                                   join products p on p.id = ch.product_id
                                   where t.device_id = d.id and t.result = 'ok'
                                     and p.organisation_id = d.organisation_id
                                   order by t.received_at desc, t.id desc limit 1) i on true
                order by d.created_at desc, d.id desc
                """)
            .params(organisationId, afterCreated, afterCreated, after, limit + 1)
            .query(DeviceSummary.class)
            .list();
    if (rows.size() <= limit) {
      return new Page(rows, null);
    }
    List<DeviceSummary> page = rows.subList(0, limit);
    return new Page(List.copyOf(page), page.get(limit - 1).id());
  }

  /** Who ended a device: an admin, or its player by uninstalling the agent. */
  public enum RevokedBy {
    ADMIN,
    PLAYER
  }

  boolean revoke(UUID organisationId, String id) {
    return revoke(organisationId, id, RevokedBy.ADMIN);
  }

  boolean revoke(UUID organisationId, String id, RevokedBy by) {
    boolean found =
        jdbc.sql(
                    "update devices set revoked_by = case when revoked_at is null then ?"
                        + " else revoked_by end, revoked_at = coalesce(revoked_at, now())"
                        + " where id = ? and organisation_id = ?")
                .params(by.name(), id, organisationId)
                .update()
            == 1;
    if (found) {
      events.publishEvent(new DeviceRevoked(id));
    }
    return found;
  }

  /** Revokes the listed devices of the organisation; returns how many were live. */
  int revoke(UUID organisationId, List<String> ids) {
    return revoked(
        jdbc.sql(
                "update devices set revoked_at = now(), revoked_by = 'ADMIN' where organisation_id = ?"
                    + " and revoked_at is null and id = any(?) returning id")
            .params(organisationId, ids.toArray(String[]::new))
            .query(String.class)
            .list());
  }

  /** Revokes every live device of the organisation enrolled at or after {@code since}. */
  int revokeEnrolledSince(UUID organisationId, Instant since) {
    return revoked(
        jdbc.sql(
                "update devices set revoked_at = now(), revoked_by = 'ADMIN' where organisation_id = ?"
                    + " and revoked_at is null and created_at >= ? returning id")
            .params(organisationId, Timestamp.from(since))
            .query(String.class)
            .list());
  }

  private int revoked(List<String> ids) {
    ids.forEach(id -> events.publishEvent(new DeviceRevoked(id)));
    return ids.size();
  }

  private static byte[] passkeyHash(String passkey) {
    return sha256(passkey.getBytes(StandardCharsets.US_ASCII));
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] random(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
