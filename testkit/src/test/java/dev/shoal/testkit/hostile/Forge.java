package dev.shoal.testkit.hostile;

import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.signing.Ed25519;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.protocol.signing.TrustRoot;
import dev.shoal.testkit.hostile.HostileProxy.Reply;
import java.security.KeyPair;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The attacker's workbench: manifests, envelopes and trust roots made with protocol's own types.
 */
final class Forge {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private Forge() {}

  static String keyId(KeyPair k) {
    return Ed25519.keyId(k.getPublic());
  }

  /** The same release with another version and the key id of whoever will sign it. */
  static ReleaseManifest with(ReleaseManifest m, long version, String signingKeyId) {
    return new ReleaseManifest(
        m.product(),
        m.channel(),
        version,
        m.displayVersion(),
        m.createdAt(),
        m.expiresAt(),
        m.files(),
        m.chunks(),
        m.packs(),
        m.contentKeyId(),
        signingKeyId);
  }

  /** The manifest's canonical bytes in an envelope signed by each of {@code signers}. */
  static byte[] signed(ReleaseManifest m, KeyPair... signers) {
    return SignedEnvelope.sign(ManifestCodec.encode(m), signers).encode();
  }

  static ReleaseManifest manifestOf(byte[] envelope) {
    return ManifestCodec.parse(SignedEnvelope.parse(envelope).payload());
  }

  /** An envelope with exactly these payload bytes and signatures. */
  static byte[] envelope(byte[] payload, List<SignedEnvelope.Sig> signatures) {
    return new SignedEnvelope(payload, signatures).encode();
  }

  /** A signature made by {@code signer} but labelled with {@code claimedKeyId}. */
  static SignedEnvelope.Sig signatureAs(String claimedKeyId, KeyPair signer, byte[] payload) {
    return new SignedEnvelope.Sig(claimedKeyId, Ed25519.sign(signer.getPrivate(), payload));
  }

  /** A rotation envelope: the new root's canonical bytes signed by each of {@code signers}. */
  static SignedEnvelope rotation(TrustRoot next, KeyPair... signers) {
    return SignedEnvelope.sign(next.encode(), signers);
  }

  /** The control plane's rotation list format: [{"version":n,"envelope":base64}, ...]. */
  static Reply rotationList(List<SignedEnvelope> envelopes) {
    List<Map<String, Object>> list =
        envelopes.stream()
            .map(
                e ->
                    Map.<String, Object>of(
                        "version",
                        TrustRoot.parse(e.payload()).version(),
                        "envelope",
                        Base64.getEncoder().encodeToString(e.encode())))
            .toList();
    return Reply.of(200, "application/json", JSON.writeValueAsBytes(list));
  }

  /** The rotation envelopes in a genuine rotation list answer. */
  static List<SignedEnvelope> parseRotationList(byte[] body) {
    List<SignedEnvelope> out = new java.util.ArrayList<>();
    for (JsonNode n : JSON.readTree(body)) {
      out.add(SignedEnvelope.parse(Base64.getDecoder().decode(n.get("envelope").asString())));
    }
    return out;
  }

  static Reply json(byte[] body) {
    return Reply.of(200, "application/json", body);
  }
}
