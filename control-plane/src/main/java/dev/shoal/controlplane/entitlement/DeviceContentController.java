package dev.shoal.controlplane.entitlement;

import static dev.shoal.controlplane.refusal.Refusal.Kind.FORBIDDEN;
import static dev.shoal.controlplane.refusal.Refusal.Kind.NOT_FOUND;

import dev.shoal.controlplane.config.PublicUrls;
import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.controlplane.device.DeviceAttribute;
import dev.shoal.controlplane.device.Devices;
import dev.shoal.controlplane.keys.ContentKeys;
import dev.shoal.controlplane.product.Products;
import dev.shoal.controlplane.refusal.Refusal;
import dev.shoal.controlplane.release.ManifestSigner;
import dev.shoal.controlplane.release.Publishing;
import dev.shoal.controlplane.release.Releases;
import dev.shoal.protocol.crypto.KeyWrap;
import dev.shoal.protocol.crypto.WrappedKey;
import dev.shoal.protocol.crypto.X25519;
import dev.shoal.protocol.manifest.ChannelHead;
import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.protocol.torrent.MetainfoException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * What an entitled device fetches, each request signed by the device: its manifest (per its rollout
 * bucket), the product's content key wrapped for its X25519 key, and torrents carrying its own
 * announce URL.
 */
@RestController
class DeviceContentController {

  static final String RELEASE_ID_HEADER = "X-Shoal-Release-Id";
  static final String CHANNEL_HEAD_HEADER = "X-Shoal-Channel-Head";

  private static final Logger log = LoggerFactory.getLogger(DeviceContentController.class);

  private final Products products;
  private final Entitlements entitlements;
  private final Publishing publishing;
  private final Releases releases;
  private final ContentKeys contentKeys;
  private final Devices devices;
  private final PublicUrls urls;
  private final JdbcClient jdbc;
  private final ManifestSigner signer;
  private final Duration headTtl;
  private final Counter grants;

  DeviceContentController(
      Products products,
      Entitlements entitlements,
      Publishing publishing,
      Releases releases,
      ContentKeys contentKeys,
      Devices devices,
      PublicUrls urls,
      JdbcClient jdbc,
      ManifestSigner signer,
      ShoalProperties properties,
      MeterRegistry meters) {
    this.products = products;
    this.entitlements = entitlements;
    this.publishing = publishing;
    this.releases = releases;
    this.contentKeys = contentKeys;
    this.devices = devices;
    this.urls = urls;
    this.jdbc = jdbc;
    this.signer = signer;
    this.headTtl = properties.release().headTtl();
    this.grants =
        Counter.builder("shoal.key.grants")
            .description("Content keys wrapped for devices")
            .register(meters);
  }

  record KeyRequest(
      @Pattern(regexp = "[0-9a-f]{32}", message = "must be a content key id") String contentKeyId,
      @Size(max = 4096) String token) {}

  @Operation(summary = "The signed manifest this device should install from a channel")
  @GetMapping(
      value = "/api/v1/device/products/{slug}/channels/{channel}/manifest",
      produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<byte[]> manifest(
      @PathVariable String slug, @PathVariable String channel, HttpServletRequest request) {
    Devices.Device device = DeviceAttribute.of(request);
    Products.Product product = entitledProduct(device, slug);
    UUID channelId = releases.channel(device.organisationId(), product.slug(), channel).channelId();
    Releases.Release release =
        publishing
            .forDevice(channelId, device.id())
            .orElseThrow(() -> new Refusal(NOT_FOUND, "No release for this device on " + channel));
    // The release id names the release in the device's telemetry report; the manifest itself
    // carries product, channel and version only. The head says, for hours, that this is the one.
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    ChannelHead head =
        new ChannelHead(
            product.slug(), channel, device.id(), release.version(), now, now.plus(headTtl));
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .header(RELEASE_ID_HEADER, release.id().toString())
        .header(
            CHANNEL_HEAD_HEADER,
            Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(signer.signHead(device.organisationId(), head)))
        .body(release.manifest());
  }

  @Operation(
      summary =
          "The product's content key wrapped for this device (KeyWrap JSON); {token} may carry a"
              + " publisher entitlement token, {contentKeyId} picks an older key")
  @PostMapping(
      value = "/api/v1/device/products/{slug}/content-key",
      produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<byte[]> contentKey(
      @PathVariable String slug,
      @Valid @RequestBody(required = false) KeyRequest body,
      HttpServletRequest request) {
    Devices.Device device = DeviceAttribute.of(request);
    Products.Product product = products.get(device.organisationId(), slug);
    UUID entitlement =
        body != null && body.token() != null
            ? entitlements.acceptToken(device, product.id(), slug, body.token())
            : entitlements
                .find(device, product.id())
                .orElseThrow(DeviceContentController::notEntitled);
    ContentKeys.ContentKey key =
        body != null && body.contentKeyId() != null
            ? contentKeys
                .find(product.id(), body.contentKeyId())
                .orElseThrow(() -> new Refusal(NOT_FOUND, "No such content key"))
            : contentKeys.current(product.id());
    WrappedKey wrapped =
        KeyWrap.wrap(key.key(), key.keyId(), X25519.publicKey(device.agreementKey()));
    jdbc.sql("insert into key_grants (device_id, content_key_id, entitlement_id) values (?, ?, ?)")
        .params(device.id(), key.keyId(), entitlement)
        .update();
    grants.increment();
    log.info("Content key {} of {} granted to {}", key.keyId(), slug, device.id());
    return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(wrapped.encode());
  }

  @Operation(summary = "A pack's torrent, announcing with this device's passkey")
  @GetMapping("/api/v1/device/packs/{infoHash}/torrent")
  ResponseEntity<byte[]> torrent(@PathVariable String infoHash, HttpServletRequest request)
      throws MetainfoException {
    Devices.Device device = DeviceAttribute.of(request);
    Releases.Pack pack =
        releases
            .pack(infoHash.toLowerCase(java.util.Locale.ROOT))
            .orElseThrow(() -> new Refusal(NOT_FOUND, "No such pack"));
    if (!entitlements.isEntitled(device, pack.productId())) {
      throw notEntitled();
    }
    byte[] torrent =
        Metainfo.parse(pack.torrent()).withAnnounce(urls.announce(devices.passkey(device.id())));
    return ResponseEntity.ok()
        .contentType(MediaType.parseMediaType("application/x-bittorrent"))
        .body(torrent);
  }

  private Products.Product entitledProduct(Devices.Device device, String slug) {
    Products.Product product = products.get(device.organisationId(), slug);
    if (!entitlements.isEntitled(device, product.id())) {
      throw notEntitled();
    }
    return product;
  }

  private static Refusal notEntitled() {
    return new Refusal(FORBIDDEN, "This device is not entitled");
  }
}
