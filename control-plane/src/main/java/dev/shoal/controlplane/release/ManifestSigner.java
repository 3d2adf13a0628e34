package dev.shoal.controlplane.release;

import dev.shoal.controlplane.keys.SigningKeys;
import dev.shoal.protocol.manifest.ChannelHead;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.ManifestConsistency;
import dev.shoal.protocol.manifest.PackEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.signing.SignedEnvelope;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Service;

/**
 * Builds release manifests, the one place that does, and signs them with the organisation's live
 * release key: the pipeline's new releases, and publishing's rollbacks and refreshes.
 */
@Service
public class ManifestSigner {

  /** Stands for the signing key id until {@link #sign} names the real one. */
  private static final String UNSIGNED = "0".repeat(32);

  private final SigningKeys signingKeys;

  ManifestSigner(SigningKeys signingKeys) {
    this.signingKeys = signingKeys;
  }

  /** A signed manifest: the envelope's bytes and the manifest they carry. */
  public record Signed(ReleaseManifest manifest, byte[] envelope) {}

  /**
   * A new release's manifest before it has packs or a signature: the files and chunks {@code
   * content} found, what the packs are then built from.
   */
  static ReleaseManifest draft(
      Releases.Channel channel,
      long version,
      String displayVersion,
      Instant createdAt,
      Instant expiresAt,
      PackBuilder content,
      String contentKeyId) {
    return new ReleaseManifest(
        channel.product(),
        channel.channel(),
        version,
        displayVersion,
        createdAt,
        expiresAt,
        content.files(),
        content.chunks(),
        List.of(),
        contentKeyId,
        UNSIGNED);
  }

  /** The draft with its packs, signed. */
  Signed sign(UUID organisationId, ReleaseManifest draft, List<PackEntry> packs) {
    return sign(
        organisationId, draft, draft.version(), draft.createdAt(), draft.expiresAt(), packs);
  }

  /**
   * The same content under another version and validity, signed with the live key: a refresh (same
   * version) or a rollback (the next one).
   */
  public Signed resign(
      UUID organisationId, ReleaseManifest m, long version, Instant createdAt, Instant expiresAt) {
    return sign(organisationId, m, version, createdAt, expiresAt, m.packs());
  }

  /** The channel head for a device, signed with the live key: an envelope's bytes. */
  public byte[] signHead(UUID organisationId, ChannelHead head) {
    return SignedEnvelope.sign(head.encode(), signingKeys.current(organisationId).pair()).encode();
  }

  private Signed sign(
      UUID organisationId,
      ReleaseManifest m,
      long version,
      Instant createdAt,
      Instant expiresAt,
      List<PackEntry> packs) {
    SigningKeys.SigningKey key = signingKeys.current(organisationId);
    ReleaseManifest manifest =
        new ReleaseManifest(
            m.product(),
            m.channel(),
            version,
            m.displayVersion(),
            createdAt,
            expiresAt,
            m.files(),
            m.chunks(),
            packs,
            m.contentKeyId(),
            key.keyId(),
            // A refresh or rollback of a release published before format 2 stays in its format:
            // its chunks were cut by that format's chunker (protocol/README.md).
            m.format());
    // Never sign what a device would refuse.
    ManifestConsistency.check(manifest);
    byte[] envelope = SignedEnvelope.sign(ManifestCodec.encode(manifest), key.pair()).encode();
    return new Signed(manifest, envelope);
  }
}
