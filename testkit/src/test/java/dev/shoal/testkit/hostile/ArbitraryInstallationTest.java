package dev.shoal.testkit.hostile;

import static dev.shoal.testkit.hostile.HostileWorld.build;
import static dev.shoal.testkit.hostile.HostileWorld.patched;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.signing.Ed25519;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.testsupport.Publisher;
import dev.shoal.testsupport.Publisher.Release;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * TUF "arbitrary installation" and "wrong software installation": a man in the middle answers the
 * agent's manifest request with a manifest the organisation's trust root did not sign (forged,
 * re-signed, tampered, another tenant's), or with a genuinely signed manifest of another product or
 * channel. Each forged manifest names real, downloadable packs of a real newer release, so without
 * the check the agent would install it; each test ends by showing that the genuine update installs
 * once the proxy is honest.
 */
class ArbitraryInstallationTest extends HostileTest {
  private final KeyPair attacker = Ed25519.generate();

  ArbitraryInstallationTest() {
    super(Start.V2_PUBLISHED);
  }

  /** The control: the genuine v2 was installable all along. */
  @AfterEach
  void theGenuineUpdateStillInstalls() {
    world.proxy.clearRules();
    world.installGenuine("game", "stable", dir, v2.files());
  }

  @Test
  void aManifestSignedByAnAttackersKeyIsRefused() throws Exception {
    ReleaseManifest forged = Forge.with(v2.manifest(), 50, Forge.keyId(attacker));
    attack(Forge.signed(forged, attacker), "UNTRUSTED_KEY");
  }

  @Test
  void theGenuineManifestReSignedByAnotherKeyIsRefused() throws Exception {
    byte[] payload = SignedEnvelope.parse(v2.envelope()).payload();
    String genuineKey = v2.manifest().signingKeyId();
    // Signed by the attacker under its own key id: no trusted key signed.
    attack(
        Forge.envelope(
            payload, List.of(Forge.signatureAs(Forge.keyId(attacker), attacker, payload))),
        "UNTRUSTED_KEY");
    // Signed by the attacker but labelled with the organisation's key id: does not verify.
    attack(
        Forge.envelope(payload, List.of(Forge.signatureAs(genuineKey, attacker, payload))),
        "BAD_SIGNATURE");
    // No signature at all.
    attack(Forge.envelope(payload, List.of()), "UNTRUSTED_KEY");
  }

  @Test
  void aTamperedManifestUnderTheGenuineSignatureIsRefused() throws Exception {
    SignedEnvelope genuine = SignedEnvelope.parse(v2.envelope());
    ReleaseManifest m = v2.manifest();
    byte[] tampered = ManifestCodec.encode(Forge.with(m, 50, m.signingKeyId()));
    attack(Forge.envelope(tampered, genuine.signatures()), "BAD_SIGNATURE");
  }

  @Test
  void anotherTenantsGenuinelySignedManifestIsRefused() throws Exception {
    // Another organisation on the same control plane, with the same product and channel names:
    // its manifest is genuinely signed, by its own organisation's key.
    Publisher evil = controlPlane.newPublisher("evil");
    evil.product("game", "stable");
    Release malware = evil.publish("game", "stable", build(666), "9.9");
    attack(malware.envelope(), "UNTRUSTED_KEY");
  }

  @Test
  void aGenuineManifestOfAnotherProductIsRefused() throws Exception {
    // Same organisation, same signing key, and the device is entitled to both products.
    world.publisher.product("tool", "stable");
    world
        .admin
        .post("/api/v1/products/tool/entitlements", Map.of("deviceId", world.agent.deviceId()))
        .assertSuccess();
    Release tool = world.publish("tool", "stable", build(3), "7.0");
    attack(tool.envelope(), "WRONG_PRODUCT");
  }

  @Test
  void aGenuineManifestOfAnotherChannelIsRefused() throws Exception {
    world.publisher.channel("game", "beta");
    Release beta = world.publish("game", "beta", patched(v1.files(), 4), "1.2-beta");
    assertThat(beta.manifest().product()).isEqualTo("game");
    attack(beta.envelope(), "WRONG_CHANNEL");
  }

  /** Serves {@code envelope} for the manifest; the update must fail, v1 untouched. */
  private void attack(byte[] envelope, String reason) throws Exception {
    world.proxy.on(HostileProxy.MANIFEST, (req, up) -> Forge.json(envelope));
    JsonNode s = world.assertInstallRefused(dir, "SIGNATURE", v1, reason);
    assertThat(s.get("error").get("retryable").asBoolean()).isFalse();
    world.proxy.clearRules();
  }
}
