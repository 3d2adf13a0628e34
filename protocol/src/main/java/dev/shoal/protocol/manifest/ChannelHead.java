package dev.shoal.protocol.manifest;

import dev.shoal.protocol.ProtocolException;
import dev.shoal.protocol.json.CanonicalJsonWriter;
import dev.shoal.protocol.json.StrictJson;
import dev.shoal.protocol.json.StrictJson.Obj;
import dev.shoal.protocol.manifest.ManifestRejectedException.Reason;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.protocol.signing.TrustRoot;
import java.time.Instant;
import java.util.Objects;

/**
 * A short-lived signed statement, per device: "on this product's channel, the release for you is
 * {@code version}", valid for hours (TUF's timestamp role). A manifest stays valid for weeks, so
 * without it an attacker on the network could keep replaying an older, still valid manifest and
 * hide every newer release (a freeze) for weeks; with it, the agent installs only the version the
 * head names, and an old head expires within hours.
 *
 * @param deviceId the device the control plane chose the release for (rollouts are per device)
 */
public record ChannelHead(
    String product,
    String channel,
    String deviceId,
    long version,
    Instant issuedAt,
    Instant expiresAt) {

  private static final String WHAT = "channel head";
  private static final int MAX_BYTES = 4096;
  private static final String TYPE = "shoal-channel-head";

  public ChannelHead {
    Objects.requireNonNull(product, "product");
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    if (version < 1) {
      throw new IllegalArgumentException("version: must be >= 1");
    }
  }

  /** Canonical JSON, the payload the control plane signs. */
  public byte[] encode() {
    return new CanonicalJsonWriter()
        .beginObject()
        .field("channel", channel)
        .field("deviceId", deviceId)
        .field("expiresAt", expiresAt)
        .field("issuedAt", issuedAt)
        .field("product", product)
        .field("type", TYPE)
        .field("version", version)
        .endObject()
        .toBytes();
  }

  static ChannelHead parse(byte[] bytes) {
    if (bytes.length > MAX_BYTES) {
      throw new ProtocolException(WHAT + ": " + bytes.length + " bytes exceeds " + MAX_BYTES);
    }
    Obj o = StrictJson.parseObject(bytes, WHAT);
    o.requireFields("channel", "deviceId", "expiresAt", "issuedAt", "product", "type", "version");
    if (!TYPE.equals(o.string("type", 32))) {
      throw new ProtocolException(WHAT + ".type: not " + TYPE);
    }
    ChannelHead head;
    try {
      head =
          new ChannelHead(
              o.string("product", ReleaseManifest.MAX_TOKEN_LENGTH),
              o.string("channel", ReleaseManifest.MAX_TOKEN_LENGTH),
              o.string("deviceId", 64),
              o.integer("version", 1, Long.MAX_VALUE),
              o.instant("issuedAt"),
              o.instant("expiresAt"));
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(WHAT + ": " + e.getMessage(), e);
    }
    StrictJson.requireCanonical(bytes, head.encode(), WHAT);
    return head;
  }

  /**
   * Checks a signed head against the trust root (the manifests' threshold of keys), the device's
   * product, channel and id, and the clock; then that {@code manifest} is the release it names.
   *
   * @throws ManifestRejectedException {@code STALE} when the head expired, {@code NOT_LATEST} when
   *     the manifest is not the version it names, else as for a manifest's signature and target
   */
  public static ChannelHead verify(
      byte[] envelope, TrustRoot root, ReleaseManifest manifest, String deviceId, Instant now) {
    SignedEnvelope signed;
    ChannelHead head;
    try {
      signed = SignedEnvelope.parse(envelope);
      ManifestVerifier.checkSignatures(signed, root);
      head = parse(signed.payload());
    } catch (ProtocolException e) {
      if (e instanceof ManifestRejectedException rejected) {
        throw rejected;
      }
      throw new ManifestRejectedException(Reason.MALFORMED, e.getMessage(), e);
    }
    if (!head.product().equals(manifest.product())
        || !head.channel().equals(manifest.channel())
        || !head.deviceId().equals(deviceId)) {
      throw new ManifestRejectedException(
          Reason.WRONG_CHANNEL,
          "the channel head is for "
              + head.product()
              + "/"
              + head.channel()
              + " and device "
              + head.deviceId());
    }
    if (!now.isBefore(head.expiresAt())) {
      throw new ManifestRejectedException(
          Reason.STALE, "the channel head expired at " + head.expiresAt() + "; now " + now);
    }
    if (head.version() != manifest.version()) {
      throw new ManifestRejectedException(
          Reason.NOT_LATEST,
          "the manifest is version "
              + manifest.version()
              + " but the channel's release for this device is version "
              + head.version());
    }
    return head;
  }
}
