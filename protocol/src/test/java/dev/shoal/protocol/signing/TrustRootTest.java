package dev.shoal.protocol.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.shoal.protocol.Fixtures;
import dev.shoal.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrustRootTest {
  static final KeyPair K1 = Fixtures.ed25519(11);
  static final KeyPair K2 = Fixtures.ed25519(12);
  static final KeyPair K3 = Fixtures.ed25519(13);
  static final KeyPair K4 = Fixtures.ed25519(14);
  static final KeyPair K5 = Fixtures.ed25519(15);
  static final Instant EXP = Instant.parse("2030-01-01T00:00:00Z");

  @Test
  void roundTripsThroughCanonicalJson() {
    KeyPair[] pool = {K1, K2, K3, K4, K5};
    qt().withExamples(50)
        .forAll(integers().between(1, 5), integers().between(1, 1000), integers().between(0, 1))
        .checkAssert(
            (n, version, expires) -> {
              PublicKey[] keys = new PublicKey[n];
              for (int i = 0; i < n; i++) {
                keys[i] = pool[(i + version) % pool.length].getPublic();
              }
              TrustRoot root =
                  TrustRoot.of(version, 1 + version % n, expires == 1 ? EXP : null, keys);
              byte[] bytes = root.encode();
              assertThat(TrustRoot.parse(bytes)).isEqualTo(root);
              assertThat(TrustRoot.parse(bytes).encode()).isEqualTo(bytes);
            });
  }

  @Test
  void encodingIsSortedAndUsesRawKeys() {
    TrustRoot root = TrustRoot.of(3, 1, null, K1.getPublic());
    String json = new String(root.encode(), StandardCharsets.UTF_8);
    String raw = java.util.Base64.getEncoder().encodeToString(Ed25519.rawPublicKey(K1.getPublic()));
    assertThat(json)
        .isEqualTo(
            "{\"expiresAt\":null,\"keys\":{\""
                + Ed25519.keyId(K1.getPublic())
                + "\":\""
                + raw
                + "\"},\"threshold\":1,\"version\":3}");
  }

  @Test
  void validatesThresholdAndKeyIds() {
    assertThatThrownBy(() -> TrustRoot.of(1, 2, null, K1.getPublic()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("threshold");
    assertThatThrownBy(() -> new TrustRoot(1, 1, Map.of("0".repeat(32), K1.getPublic()), null))
        .hasMessageContaining("key id does not match");
  }

  @Test
  void parseRejectsMismatchedKeyIdsAndBadKeys() {
    String json =
        new String(TrustRoot.of(1, 1, null, K1.getPublic()).encode(), StandardCharsets.UTF_8);
    String wrongId = json.replace(Ed25519.keyId(K1.getPublic()), Ed25519.keyId(K2.getPublic()));
    assertThatThrownBy(() -> TrustRoot.parse(wrongId.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("key id does not match");
    String shortKey = json.replaceAll("\":\"[^\"]+\"\\}", "\":\"AAAA\"}");
    assertThatThrownBy(() -> TrustRoot.parse(shortKey.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("root.keys.");
    String zeroThreshold = json.replace("\"threshold\":1", "\"threshold\":0");
    assertThatThrownBy(() -> TrustRoot.parse(zeroThreshold.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("root.threshold");
  }

  @Test
  void thresholdNeedsDistinctTrustedKeys() {
    TrustRoot root = TrustRoot.of(1, 2, null, K1.getPublic(), K2.getPublic(), K3.getPublic());
    byte[] payload = {42};
    assertThat(root.isSatisfiedBy(SignedEnvelope.sign(payload, K1, K1, K1))).isFalse();
    assertThat(root.isSatisfiedBy(SignedEnvelope.sign(payload, K1, K4, K5))).isFalse();
    assertThat(root.isSatisfiedBy(SignedEnvelope.sign(payload, K4, K1, K3))).isTrue();
    assertThat(root.validSigners(SignedEnvelope.sign(payload, K4, K1, K3)))
        .containsExactlyInAnyOrder(Ed25519.keyId(K1.getPublic()), Ed25519.keyId(K3.getPublic()));
  }

  @Test
  void aSignatureMovedToAnotherPayloadDoesNotCount() {
    TrustRoot root = TrustRoot.of(1, 1, null, K1.getPublic());
    SignedEnvelope signed = SignedEnvelope.sign(new byte[] {1}, K1);
    SignedEnvelope moved = new SignedEnvelope(new byte[] {2}, signed.signatures());
    assertThat(root.isSatisfiedBy(moved)).isFalse();
  }

  @Test
  void expiry() {
    TrustRoot root = TrustRoot.of(1, 1, EXP, K1.getPublic());
    assertThat(root.isExpired(EXP.minusSeconds(1))).isFalse();
    assertThat(root.isExpired(EXP)).isTrue();
    assertThat(TrustRoot.of(1, 1, null, K1.getPublic()).isExpired(EXP)).isFalse();
  }

  @Test
  void keysAreImmutable() {
    TrustRoot root = TrustRoot.of(1, 1, null, K1.getPublic());
    assertThatThrownBy(() -> root.keys().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThat(List.copyOf(root.keys().keySet())).hasSize(1);
  }
}
