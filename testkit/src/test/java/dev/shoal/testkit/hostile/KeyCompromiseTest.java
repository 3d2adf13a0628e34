package dev.shoal.testkit.hostile;

import static dev.shoal.testkit.hostile.HostileWorld.build;
import static dev.shoal.testkit.hostile.HostileWorld.patched;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.keys.SigningKeys;
import dev.shoal.controlplane.organisation.Organisations;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.signing.Ed25519;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.protocol.signing.TrustRoot;
import dev.shoal.testkit.ControlPlaneFixture;
import dev.shoal.testkit.hostile.HostileProxy.Reply;
import dev.shoal.testsupport.Publisher.Release;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * TUF "vulnerability to key compromises": after the organisation rotates its signing key, a
 * manifest signed by the old (stolen) key is refused, even when the attacker hides the rotation
 * afterwards; a rotation the old root did not sign is refused; and a root with a threshold of two
 * rotates only when a threshold of its keys and a threshold of the new root's keys sign.
 */
class KeyCompromiseTest {
  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  @TempDir Path temp;
  private HostileWorld world;
  private Path dir;

  @BeforeEach
  void world() {
    world = HostileWorld.create(controlPlane, temp);
    dir = world.installDir("game");
  }

  @AfterEach
  void close() {
    world.close();
  }

  @Test
  void afterARotationAManifestSignedByTheOldKeyIsRefused() throws Exception {
    Release v1 = world.publish("game", "stable", build(1), "1.0");
    world.enrolThroughProxy("game");
    world.installGenuine("game", "stable", dir, v1.files());
    assertThat(world.pinnedRoot().version()).isEqualTo(1);
    Reply rootsBefore =
        world.proxy.genuine("/api/v1/trust-root/rotations"); // [v1], as the agent saw it

    // v2 is signed with the key that is about to be declared stolen; then the publisher rotates
    // and re-signs v2 with the new key.
    Release v2 = world.publish("game", "stable", patched(v1.files(), 2), "1.1");
    byte[] signedByStolenKey = v2.envelope();
    world.admin.post("/api/v1/keys/signing/rotate", Map.of()).assertSuccess();
    world.admin.post("/api/v1/releases/" + v2.id() + "/refresh", Map.of()).assertSuccess();
    String oldKey = v2.manifest().signingKeyId();
    String newKey = Forge.manifestOf(world.publisher.envelope(v2.id())).signingKeyId();
    assertThat(newKey).isNotEqualTo(oldKey);

    // The thief serves v2 as signed by the old key.
    world.proxy.on(HostileProxy.MANIFEST, (req, up) -> Forge.json(signedByStolenKey));
    world.assertInstallRefused(dir, "SIGNATURE", v1, "UNTRUSTED_KEY", "trust root v2");
    TrustRoot pinned = world.pinnedRoot();
    assertThat(pinned.version()).isEqualTo(2);
    assertThat(pinned.keys()).containsOnlyKeys(newKey);

    // Hiding the rotation now does not bring the old key back: the agent keeps root v2.
    world.proxy.on(HostileProxy.ROTATIONS, (req, up) -> rootsBefore);
    JsonNode hidden = world.install("game", "stable", dir);
    HostileWorld.assertFailed(hidden, "SIGNATURE");
    assertThat(hidden.get("error").get("message").asString()).contains("UNTRUSTED_KEY");
    world.assertHolds(dir, v1.files());

    world.proxy.clearRules(); // the control: v2 signed by the new key installs
    world.installGenuine("game", "stable", dir, v2.files());
  }

  /**
   * Fast-forward: a thief with the signing key serves a genuine build as version 1,000,000; once
   * installed, every later genuine version would be a "rollback". When the publisher rotates the
   * stolen key out, the floor it set is forgotten (as TUF resets version floors on a root change).
   */
  @Test
  void aVersionFastForwardedByAStolenKeyIsForgottenOnceTheKeyIsRotatedOut() throws Exception {
    Release v1 = world.publish("game", "stable", build(1), "1.0");
    world.enrolThroughProxy("game");
    world.installGenuine("game", "stable", dir, v1.files());

    KeyPair stolen =
        world
            .controlPlane
            .bean(SigningKeys.class)
            .current(
                world
                    .controlPlane
                    .bean(Organisations.class)
                    .findBySlug(world.org())
                    .orElseThrow()
                    .id())
            .pair();
    ReleaseManifest fastForwarded = Forge.with(v1.manifest(), 1_000_000, Forge.keyId(stolen));
    world.proxy.on(
        HostileProxy.MANIFEST,
        (req, up) ->
            Forge.json(Forge.signed(fastForwarded, stolen))
                .withHeader(
                    Forge.CHANNEL_HEAD, Forge.head(fastForwarded, world.agent.deviceId(), stolen)));
    world.installGenuine("game", "stable", dir, v1.files()); // the key is still trusted
    world.proxy.clearRules();

    Release v2 = world.publish("game", "stable", patched(v1.files(), 2), "1.1");
    assertThat(v2.version()).isLessThan(1_000_000);
    JsonNode stuck = world.install("game", "stable", dir); // the key is not rotated out yet
    HostileWorld.assertFailed(stuck, "SIGNATURE");
    assertThat(stuck.get("error").get("message").asString()).contains("ROLLBACK");
    world.assertHolds(dir, v1.files());

    world.admin.post("/api/v1/keys/signing/rotate", Map.of()).assertSuccess();
    world.admin.post("/api/v1/releases/" + v2.id() + "/refresh", Map.of()).assertSuccess();
    world.installGenuine("game", "stable", dir, v2.files());

    // The forged manifest now fails on its key, and the floor is v2's again.
    world.proxy.on(
        HostileProxy.MANIFEST,
        (req, up) ->
            Forge.json(Forge.signed(fastForwarded, stolen))
                .withHeader(
                    Forge.CHANNEL_HEAD, Forge.head(fastForwarded, world.agent.deviceId(), stolen)));
    world.assertInstallRefused(dir, "SIGNATURE", v2, "UNTRUSTED_KEY");
  }

  @Test
  void aRotationTheOldRootDidNotSignIsRefused() throws Exception {
    Release v1 = world.publish("game", "stable", build(1), "1.0");
    world.enrolThroughProxy("game");
    world.installGenuine("game", "stable", dir, v1.files());
    Release v2 = world.publish("game", "stable", patched(v1.files(), 2), "1.1");
    List<SignedEnvelope> genuine =
        Forge.parseRotationList(world.proxy.genuine("/api/v1/trust-root/rotations").body());
    SignedEnvelope genuineV1 = genuine.get(0);
    KeyPair a = Ed25519.generate();
    TrustRoot attackerRoot2 = TrustRoot.of(2, 1, null, a.getPublic());
    TrustRoot attackerRoot3 = TrustRoot.of(3, 1, null, a.getPublic());
    // Were a rotation accepted, this manifest (real packs, real key) would install.
    byte[] attackerManifest = Forge.signed(Forge.with(v2.manifest(), 40, Forge.keyId(a)), a);
    world.proxy.on(HostileProxy.MANIFEST, (req, up) -> Forge.json(attackerManifest));

    // Signed only by the attacker's new key.
    rotationAttack(
        v1, List.of(genuineV1, Forge.rotation(attackerRoot2, a)), "signed by 0 keys of root v1");
    // Skipping a version.
    rotationAttack(
        v1, List.of(genuineV1, Forge.rotation(attackerRoot3, a)), "new root version 3 is not 2");
    // The organisation's genuine signature (over root v1) pasted onto the attacker's root.
    List<SignedEnvelope.Sig> pasted = new ArrayList<>(genuineV1.signatures());
    pasted.addAll(Forge.rotation(attackerRoot2, a).signatures());
    rotationAttack(
        v1,
        List.of(genuineV1, new SignedEnvelope(attackerRoot2.encode(), pasted)),
        "signed by 0 keys of root v1");

    world.proxy.clearRules(); // the control
    world.installGenuine("game", "stable", dir, v2.files());
  }

  @Test
  void aThresholdRootRotatesOnlyWithAThresholdOfOldAndOfNewKeys() throws Exception {
    // Here the proxy stands in for an organisation whose root is 2-of-3 (the control plane makes
    // only 1-of-1 roots): it serves that root at enrolment, publishes its rotations, and has the
    // organisation's keys sign the control plane's genuine manifests. Content, packs and keys are
    // the control plane's.
    KeyPair t1 = Ed25519.generate();
    KeyPair t2 = Ed25519.generate();
    KeyPair t3 = Ed25519.generate();
    TrustRoot root1 = TrustRoot.of(1, 2, null, t1.getPublic(), t2.getPublic(), t3.getPublic());
    List<SignedEnvelope> published = new CopyOnWriteArrayList<>();
    published.add(Forge.rotation(root1, t1, t2));
    AtomicReference<KeyPair[]> signers = new AtomicReference<>(new KeyPair[] {t1, t2});
    world.proxy.on(HostileProxy.TRUST_ROOT, (req, up) -> Forge.json(root1.encode()));
    world.proxy.on(HostileProxy.ROTATIONS, (req, up) -> Forge.rotationList(published));
    world.proxy.on(
        HostileProxy.MANIFEST,
        (req, up) -> {
          Reply genuine = up.forward(req);
          if (genuine.status() != 200) {
            return genuine;
          }
          ReleaseManifest m = Forge.manifestOf(genuine.body());
          KeyPair[] by = signers.get();
          return genuine
              .withBody(Forge.signed(Forge.with(m, m.version(), Forge.keyId(by[0])), by))
              .withHeader(Forge.CHANNEL_HEAD, Forge.resignedHead(genuine, by));
        });

    Release v1 = world.publish("game", "stable", build(1), "1.0");
    world.enrolThroughProxy("game");
    assertThat(world.pinnedRoot().threshold()).isEqualTo(2);
    world.installGenuine("game", "stable", dir, v1.files()); // 2 of 3 signed: accepted
    Release v2 = world.publish("game", "stable", patched(v1.files(), 2), "1.1");

    // One stolen key of the three is not enough to sign a manifest...
    signers.set(new KeyPair[] {t1});
    JsonNode one = world.install("game", "stable", dir);
    HostileWorld.assertFailed(one, "SIGNATURE");
    assertThat(one.get("error").get("message").asString())
        .contains("UNTRUSTED_KEY: 1 valid signatures by keys of trust root v1, threshold 2");
    world.assertHolds(dir, v1.files());

    // ...nor to rotate to the thief's own root, even one the thief signs twice over.
    KeyPair a1 = Ed25519.generate();
    KeyPair a2 = Ed25519.generate();
    TrustRoot thief = TrustRoot.of(2, 2, null, a1.getPublic(), a2.getPublic());
    published.add(Forge.rotation(thief, t1, a1, a2));
    signers.set(new KeyPair[] {a1, a2});
    rotationAttack(v1, null, "signed by 1 keys of root v1, needs 2");
    published.remove(1);

    // A threshold of old keys without a threshold of the new root's own keys is refused too.
    KeyPair n1 = Ed25519.generate();
    KeyPair n2 = Ed25519.generate();
    KeyPair n3 = Ed25519.generate();
    TrustRoot root2 = TrustRoot.of(2, 2, null, n1.getPublic(), n2.getPublic(), n3.getPublic());
    published.add(Forge.rotation(root2, t1, t2, n1));
    signers.set(new KeyPair[] {n1, n2});
    rotationAttack(v1, null, "signed by 1 of its own keys, needs 2");
    published.remove(1);

    // The real rotation: two old keys and two new keys sign. v2 signed by the new keys installs.
    published.add(Forge.rotation(root2, t1, t2, n1, n2));
    world.installGenuine("game", "stable", dir, v2.files());
    assertThat(world.pinnedRoot().version()).isEqualTo(2);

    // Afterwards the old root's keys, even all of them, no longer sign; hiding the rotation
    // does not help.
    published.remove(1);
    ReleaseManifest v3 = Forge.with(v2.manifest(), v2.version() + 1, Forge.keyId(t1));
    byte[] byOldKeys = Forge.signed(v3, t1, t2, t3);
    world.proxy.on(HostileProxy.MANIFEST, (req, up) -> Forge.json(byOldKeys));
    world.assertInstallRefused(
        dir, "SIGNATURE", v2, "UNTRUSTED_KEY: 0 valid signatures by keys of trust root v2");
  }

  /**
   * Serves {@code rotations} (unless null: the rule in place stays) as the organisation's trust
   * root history; the install must fail on the rotation, pinning and installing nothing new.
   */
  private void rotationAttack(Release installed, List<SignedEnvelope> rotations, String why)
      throws Exception {
    int pinnedBefore = world.pinnedRoot().version();
    if (rotations != null) {
      world.proxy.on(HostileProxy.ROTATIONS, (req, up) -> Forge.rotationList(rotations));
    }
    world.assertInstallRefused(
        dir, "SIGNATURE", installed, "a trust root rotation was refused", why);
    assertThat(world.pinnedRoot().version()).isEqualTo(pinnedBefore);
  }
}
