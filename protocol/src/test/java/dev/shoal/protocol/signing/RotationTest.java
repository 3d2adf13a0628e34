package dev.shoal.protocol.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.protocol.Fixtures;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;
import org.junit.jupiter.api.Test;

class RotationTest {
  static final KeyPair OLD_A = Fixtures.ed25519(21);
  static final KeyPair OLD_B = Fixtures.ed25519(22);
  static final KeyPair OLD_C = Fixtures.ed25519(23);
  static final KeyPair NEW_D = Fixtures.ed25519(24);
  static final KeyPair NEW_E = Fixtures.ed25519(25);

  /** v1: 2 of {A, B, C}. */
  static final TrustRoot V1 =
      TrustRoot.of(1, 2, null, OLD_A.getPublic(), OLD_B.getPublic(), OLD_C.getPublic());

  /** v2 drops A, keeps C, adds D and E: 2 of {C, D, E}. */
  static final TrustRoot V2 =
      TrustRoot.of(2, 2, null, OLD_C.getPublic(), NEW_D.getPublic(), NEW_E.getPublic());

  @Test
  void validRotationIsAccepted() {
    SignedEnvelope env = SignedEnvelope.sign(V2.encode(), OLD_A, OLD_B, NEW_D, NEW_E);
    assertThat(V1.rotate(env)).isEqualTo(V2);
  }

  @Test
  void aKeyInBothRootsCountsForBoth() {
    SignedEnvelope env = SignedEnvelope.sign(V2.encode(), OLD_A, OLD_C, NEW_D);
    assertThat(V1.rotate(env)).isEqualTo(V2);
  }

  @Test
  void signedOnlyByOldKeysIsRejected() {
    assertRotationRejected(V2.encode(), "of its own keys", OLD_A, OLD_B);
  }

  @Test
  void signedOnlyByNewKeysIsRejected() {
    assertRotationRejected(V2.encode(), "keys of root v1, needs 2", NEW_D, NEW_E);
  }

  @Test
  void versionSkipIsRejected() {
    TrustRoot v3 = TrustRoot.of(3, 1, null, NEW_D.getPublic());
    assertRotationRejected(v3.encode(), "version 3 is not 2", OLD_A, OLD_B, NEW_D);
    TrustRoot sameVersion = TrustRoot.of(1, 1, null, NEW_D.getPublic());
    SignedEnvelope replay = SignedEnvelope.sign(sameVersion.encode(), OLD_A, OLD_B, NEW_D);
    assertThatThrownBy(() -> V1.rotate(replay)).isInstanceOf(RotationRejectedException.class);
  }

  @Test
  void malformedNewRootIsRejected() {
    assertRotationRejected(
        "{\"version\":2}".getBytes(StandardCharsets.UTF_8), "malformed", OLD_A, OLD_B);
  }

  @Test
  void afterRotationARemovedKeyNoLongerSigns() {
    TrustStore store = new TrustStore(V1);
    store.rotate(SignedEnvelope.sign(V2.encode(), OLD_A, OLD_B, NEW_D, NEW_E));
    byte[] payload = "manifest".getBytes(StandardCharsets.UTF_8);
    assertThat(V1.isSatisfiedBy(SignedEnvelope.sign(payload, OLD_A, OLD_C))).isTrue();
    assertThat(store.current().isSatisfiedBy(SignedEnvelope.sign(payload, OLD_A, OLD_C))).isFalse();
    assertThat(store.current().isSatisfiedBy(SignedEnvelope.sign(payload, NEW_D, OLD_C))).isTrue();
  }

  @Test
  void storeAppliesAChainAndSkipsWhatItAlreadyHas() {
    TrustRoot v3 = TrustRoot.of(3, 1, null, NEW_E.getPublic());
    SignedEnvelope toV2 = SignedEnvelope.sign(V2.encode(), OLD_A, OLD_B, NEW_D, NEW_E);
    SignedEnvelope toV3 = SignedEnvelope.sign(v3.encode(), NEW_D, NEW_E);
    TrustStore store = new TrustStore(V1);
    assertThat(store.applyChain(List.of(toV2, toV3))).isEqualTo(v3);
    assertThat(store.applyChain(List.of(toV2, toV3))).isEqualTo(v3);
  }

  @Test
  void storeKeepsItsRootWhenARotationFails() {
    TrustStore store = new TrustStore(V1);
    SignedEnvelope bad = SignedEnvelope.sign(V2.encode(), NEW_D, NEW_E);
    assertThatThrownBy(() -> store.applyChain(List.of(bad)))
        .isInstanceOf(RotationRejectedException.class);
    assertThat(store.current()).isEqualTo(V1);
  }

  /** V1 refuses to rotate to {@code nextRoot} signed by {@code signers}, saying {@code message}. */
  private static void assertRotationRejected(byte[] nextRoot, String message, KeyPair... signers) {
    SignedEnvelope env = SignedEnvelope.sign(nextRoot, signers);
    assertThatThrownBy(() -> V1.rotate(env))
        .isInstanceOf(RotationRejectedException.class)
        .hasMessageContaining(message);
  }
}
