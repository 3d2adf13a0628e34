package dev.shoal.testkit.hostile;

import dev.shoal.protocol.manifest.ChannelHead;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.signing.Ed25519;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.protocol.signing.TrustRoot;
import dev.shoal.testkit.hostile.HostileProxy.Reply;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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

  /** The header carrying the channel head with a manifest. */
  static final String CHANNEL_HEAD = "X-Shoal-Channel-Head";

  /**
   * A channel head for {@code deviceId} naming {@code m}'s version, valid for an hour, signed by
   * each of {@code signers}: the header's value.
   */
  static String head(ReleaseManifest m, String deviceId, KeyPair... signers) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    ChannelHead head =
        new ChannelHead(
            m.product(), m.channel(), deviceId, m.version(), now, now.plus(Duration.ofHours(1)));
    return base64url(SignedEnvelope.sign(head.encode(), signers).encode());
  }

  /** The genuine answer's channel head, the same statement signed by each of {@code signers}. */
  static String resignedHead(Reply genuine, KeyPair... signers) {
    byte[] payload =
        SignedEnvelope.parse(Base64.getUrlDecoder().decode(genuine.header(CHANNEL_HEAD))).payload();
    return base64url(SignedEnvelope.sign(payload, signers).encode());
  }

  static String base64url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
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
