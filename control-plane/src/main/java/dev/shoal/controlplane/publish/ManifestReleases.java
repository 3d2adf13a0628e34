package dev.shoal.controlplane.publish;

import dev.shoal.controlplane.release.ManifestSigner;
import dev.shoal.controlplane.release.Releases;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Re-signing a stored release's manifest. */
final class ManifestReleases {

  private ManifestReleases() {}

  static void resign(
      JdbcClient jdbc,
      ManifestSigner signer,
      UUID organisationId,
      Releases.Release release,
      Instant now,
      Instant expires) {
    var old = release.parsedManifest();
    // createdAt stays: it says when the content was released; only the validity moves on.
    Instant created = old.createdAt().isBefore(expires) ? old.createdAt() : now;
    ManifestSigner.Signed signed =
        signer.sign(
            organisationId,
            keyId -> ManifestSigner.copy(old, old.version(), created, expires, keyId));
    jdbc.sql("update releases set manifest = ?, expires_at = ?, signing_key_id = ? where id = ?")
        .params(
            signed.envelope(),
            Timestamp.from(expires),
            signed.manifest().signingKeyId(),
            release.id())
        .update();
  }
}
