package dev.shoal.controlplane.entitlement;

import static dev.shoal.controlplane.refusal.Refusal.Kind.FORBIDDEN;
import static dev.shoal.controlplane.refusal.Refusal.Kind.NOT_FOUND;

import dev.shoal.controlplane.device.Devices;
import dev.shoal.controlplane.product.Products;
import dev.shoal.controlplane.refusal.Refusal;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

/**
 * Who may have a product's content key, peers and packs. A device is entitled by a grant naming it,
 * by a grant naming the player it proved to be (with a publisher token), or by a valid token it
 * presented itself. Checked on every key request, announce and origin download, so a revocation
 * takes effect at once.
 */
@Service
public class Entitlements {

  private final JdbcClient jdbc;
  private final Products products;
  private final Devices devices;
  private final JsonMapper json;
  private final ApplicationEventPublisher events;

  Entitlements(
      JdbcClient jdbc,
      Products products,
      Devices devices,
      JsonMapper json,
      ApplicationEventPublisher events) {
    this.jdbc = jdbc;
    this.products = products;
    this.devices = devices;
    this.json = json;
    this.events = events;
  }

  /** Raised when an entitlement to a product is revoked, so that no cache outlives it. */
  public record EntitlementRevoked(UUID productId) {}

  public record Entitlement(
      UUID id,
      String deviceId,
      String player,
      String source,
      OffsetDateTime expiresAt,
      OffsetDateTime createdAt,
      OffsetDateTime revokedAt) {}

  private static final String COLUMNS =
      "id, device_id, player, source, expires_at, created_at, revoked_at";

  /**
   * Live entitlements of a product (first parameter) for a device (its id, its player, its
   * organisation). Player names are each organisation's own: a grant to "alice" reaches only
   * devices of the product's organisation.
   */
  private static final String LIVE_FOR_DEVICE =
      " from entitlements where product_id = ? and revoked_at is null"
          + " and (expires_at is null or expires_at > now())"
          + " and (device_id = ? or (device_id is null and player = ?))"
          + " and product_id in (select id from products where organisation_id = ?)";

  /** The live entitlement that lets this device have this product's content, if any. */
  public Optional<UUID> find(Devices.Device device, UUID productId) {
    return jdbc.sql("select id" + LIVE_FOR_DEVICE + " order by created_at limit 1")
        .params(productId, device.id(), device.player(), device.organisationId())
        .query(UUID.class)
        .optional();
  }

  /**
   * Until when the device is entitled to the product: the latest expiry of its live entitlements,
   * {@link Instant#MAX} when one never expires, empty when none is live.
   */
  public Optional<Instant> entitledUntil(Devices.Device device, UUID productId) {
    if (device.revokedAt() != null) {
      return Optional.empty();
    }
    return jdbc.sql(
            "select expires_at" + LIVE_FOR_DEVICE + " order by expires_at desc nulls first limit 1")
        .params(productId, device.id(), device.player(), device.organisationId())
        .query(
            (rs, n) -> {
              Timestamp expires = rs.getTimestamp(1);
              return expires == null ? Instant.MAX : expires.toInstant();
            })
        .optional();
  }

  public boolean isEntitled(Devices.Device device, UUID productId) {
    return device.revokedAt() == null && find(device, productId).isPresent();
  }

  /** Checks a publisher token the device presents, and records it as the device's entitlement. */
  public UUID acceptToken(Devices.Device device, UUID productId, String slug, String token) {
    byte[] publicKey =
        jdbc.sql("select public_key from entitlement_keys where product_id = ?")
            .param(productId)
            .query(byte[].class)
            .optional()
            .orElseThrow(() -> new Refusal(FORBIDDEN, "This product takes no entitlement tokens"));
    EntitlementTokens.Claims claims =
        EntitlementTokens.verify(token, publicKey, slug, Instant.now(), json);
    devices.linkPlayer(device.id(), claims.player());
    return jdbc.sql(
            "insert into entitlements (product_id, device_id, player, source, expires_at)"
                + " values (?, ?, ?, 'TOKEN', ?) returning id")
        .params(productId, device.id(), claims.player(), Timestamp.from(claims.expiresAt()))
        .query(UUID.class)
        .single();
  }

  Entitlement grant(UUID organisationId, String slug, String deviceId, String player) {
    Products.Product product = products.get(organisationId, slug);
    if (deviceId != null) {
      devices
          .find(deviceId)
          .filter(d -> d.organisationId().equals(organisationId))
          .orElseThrow(() -> new Refusal(NOT_FOUND, "No device " + deviceId));
    }
    return jdbc.sql(
            "insert into entitlements (product_id, device_id, player, source) values (?, ?, ?,"
                + " 'API') returning "
                + COLUMNS)
        .params(product.id(), deviceId, player)
        .query(Entitlement.class)
        .single();
  }

  List<Entitlement> list(UUID organisationId, String slug) {
    Products.Product product = products.get(organisationId, slug);
    return jdbc.sql(
            "select " + COLUMNS + " from entitlements where product_id = ? order by created_at")
        .param(product.id())
        .query(Entitlement.class)
        .list();
  }

  boolean revoke(UUID organisationId, String slug, UUID id) {
    Products.Product product = products.get(organisationId, slug);
    boolean found =
        jdbc.sql(
                    "update entitlements set revoked_at = coalesce(revoked_at, now())"
                        + " where id = ? and product_id = ?")
                .params(id, product.id())
                .update()
            == 1;
    if (found) {
      events.publishEvent(new EntitlementRevoked(product.id()));
    }
    return found;
  }

  void registerKey(UUID organisationId, String slug, byte[] publicKey) {
    Products.Product product = products.get(organisationId, slug);
    jdbc.sql(
            "insert into entitlement_keys (product_id, public_key) values (?, ?)"
                + " on conflict (product_id) do update set public_key = excluded.public_key,"
                + " created_at = now()")
        .params(product.id(), publicKey)
        .update();
  }
}
