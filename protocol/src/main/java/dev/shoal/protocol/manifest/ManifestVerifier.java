package dev.shoal.protocol.manifest;

import dev.shoal.protocol.ProtocolException;
import dev.shoal.protocol.manifest.ManifestRejectedException.Reason;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.protocol.signing.TrustRoot;
import java.time.Instant;
import java.util.Set;

/**
 * The client-side gate for manifests. Checks run cheapest-and-safest first: size, then signatures
 * over the raw payload bytes (nothing untrusted is parsed before that), then strict parsing,
 * consistency, product and channel, expiry and finally rollback.
 */
public final class ManifestVerifier {
  private ManifestVerifier() {}

  /** Parses the envelope bytes too, so a caller can feed what came off the network. */
  public static ReleaseManifest verify(
      byte[] envelopeBytes,
      TrustRoot root,
      String expectedProduct,
      String expectedChannel,
      long installedVersion,
      Instant now) {
    return verify(
        envelopeBytes,
        root,
        expectedProduct,
        expectedChannel,
        installedVersion,
        now,
        ManifestLimits.DEFAULT);
  }

  public static ReleaseManifest verify(
      byte[] envelopeBytes,
      TrustRoot root,
      String expectedProduct,
      String expectedChannel,
      long installedVersion,
      Instant now,
      ManifestLimits limits) {
    long maxBytes = SignedEnvelope.maxEncodedBytes(limits.maxPayloadBytes());
    if (envelopeBytes.length > maxBytes) {
      throw new ManifestRejectedException(
          Reason.TOO_LARGE, "envelope is " + envelopeBytes.length + " bytes, limit " + maxBytes);
    }
    SignedEnvelope envelope;
    try {
      // The byte count is already bounded; a payload over the limit is reported as TOO_LARGE
      // below rather than as a malformed envelope.
      envelope = SignedEnvelope.parse(envelopeBytes, envelopeBytes.length);
    } catch (ProtocolException e) {
      throw new ManifestRejectedException(Reason.MALFORMED, e.getMessage(), e);
    }
    return verify(envelope, root, expectedProduct, expectedChannel, installedVersion, now, limits);
  }

  /**
   * @param installedVersion the version installed now, 0 if none; equal versions pass (repair)
   * @return the verified manifest
   * @throws ManifestRejectedException with the reason of the first failed check
   */
  public static ReleaseManifest verify(
      SignedEnvelope envelope,
      TrustRoot root,
      String expectedProduct,
      String expectedChannel,
      long installedVersion,
      Instant now) {
    return verify(
        envelope,
        root,
        expectedProduct,
        expectedChannel,
        installedVersion,
        now,
        ManifestLimits.DEFAULT);
  }

  public static ReleaseManifest verify(
      SignedEnvelope envelope,
      TrustRoot root,
      String expectedProduct,
      String expectedChannel,
      long installedVersion,
      Instant now,
      ManifestLimits limits) {
    byte[] payload = envelope.payload();
    if (payload.length > limits.maxPayloadBytes()) {
      throw new ManifestRejectedException(
          Reason.TOO_LARGE,
          "payload is " + payload.length + " bytes, limit " + limits.maxPayloadBytes());
    }
    Set<String> signers = checkSignatures(envelope, root);
    ReleaseManifest m = parse(payload, limits);
    if (!signers.contains(m.signingKeyId())) {
      throw new ManifestRejectedException(
          Reason.UNTRUSTED_KEY, "signingKeyId " + m.signingKeyId() + " did not sign the manifest");
    }
    checkConsistency(m);
    checkTarget(m, expectedProduct, expectedChannel);
    checkTime(m, root, now);
    if (m.version() < installedVersion) {
      throw new ManifestRejectedException(
          Reason.ROLLBACK,
          "version " + m.version() + " is older than installed version " + installedVersion);
    }
    return m;
  }

  static Set<String> checkSignatures(SignedEnvelope envelope, TrustRoot root) {
    Set<String> signers = root.validSigners(envelope);
    if (signers.size() >= root.threshold()) {
      return signers;
    }
    // A trusted key id with a non-verifying signature means tampering, not just a missing key.
    boolean forged =
        envelope.signatures().stream()
            .anyMatch(s -> root.keys().containsKey(s.keyId()) && !signers.contains(s.keyId()));
    throw new ManifestRejectedException(
        forged ? Reason.BAD_SIGNATURE : Reason.UNTRUSTED_KEY,
        (forged ? "a signature by a trusted key does not verify; " : "")
            + signers.size()
            + " valid signatures by keys of trust root v"
            + root.version()
            + ", threshold "
            + root.threshold());
  }

  private static ReleaseManifest parse(byte[] payload, ManifestLimits limits) {
    try {
      return ManifestCodec.parse(payload, limits);
    } catch (ProtocolException e) {
      throw new ManifestRejectedException(Reason.MALFORMED, e.getMessage(), e);
    }
  }

  private static void checkConsistency(ReleaseManifest m) {
    try {
      ManifestConsistency.check(m);
    } catch (ProtocolException e) {
      throw new ManifestRejectedException(Reason.INCONSISTENT, e.getMessage(), e);
    }
  }

  private static void checkTarget(ReleaseManifest m, String product, String channel) {
    if (!m.product().equals(product)) {
      throw new ManifestRejectedException(
          Reason.WRONG_PRODUCT, "manifest.product is " + m.product() + ", expected " + product);
    }
    if (!m.channel().equals(channel)) {
      throw new ManifestRejectedException(
          Reason.WRONG_CHANNEL, "manifest.channel is " + m.channel() + ", expected " + channel);
    }
  }

  private static void checkTime(ReleaseManifest m, TrustRoot root, Instant now) {
    if (!now.isBefore(m.expiresAt())) {
      throw new ManifestRejectedException(
          Reason.EXPIRED, "manifest.expiresAt " + m.expiresAt() + " is not after now " + now);
    }
    if (root.isExpired(now)) {
      throw new ManifestRejectedException(
          Reason.EXPIRED, "trust root v" + root.version() + " expired at " + root.expiresAt());
    }
  }
}
