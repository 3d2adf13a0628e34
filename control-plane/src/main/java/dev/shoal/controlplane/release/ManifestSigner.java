package dev.shoal.controlplane.release;

import dev.shoal.controlplane.keys.SigningKeys;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.ManifestConsistency;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.signing.SignedEnvelope;
import java.util.UUID;
import java.util.function.Function;
import org.springframework.stereotype.Service;

/** Signs manifests with the organisation's live release key. */
@Service
public class ManifestSigner {

  private final SigningKeys signingKeys;

  ManifestSigner(SigningKeys signingKeys) {
    this.signingKeys = signingKeys;
  }

  /** A signed manifest: the envelope's bytes and the manifest they carry. */
  public record Signed(ReleaseManifest manifest, byte[] envelope) {}

  /**
   * @param withSigningKeyId builds the manifest naming the given signing key id
   */
  public Signed sign(UUID organisationId, Function<String, ReleaseManifest> withSigningKeyId) {
    SigningKeys.SigningKey key = signingKeys.current(organisationId);
    ReleaseManifest manifest = withSigningKeyId.apply(key.keyId());
    // Never sign what a device would refuse.
    ManifestConsistency.check(manifest);
    byte[] envelope = SignedEnvelope.sign(ManifestCodec.encode(manifest), key.pair()).encode();
    return new Signed(manifest, envelope);
  }

  /** The same manifest with other version, timestamps and signing key (re-sign, rollback). */
  public static ReleaseManifest copy(
      ReleaseManifest m,
      long version,
      java.time.Instant createdAt,
      java.time.Instant expiresAt,
      String signingKeyId) {
    return new ReleaseManifest(
        m.product(),
        m.channel(),
        version,
        m.displayVersion(),
        createdAt,
        expiresAt,
        m.files(),
        m.chunks(),
        m.packs(),
        m.contentKeyId(),
        signingKeyId);
  }
}
