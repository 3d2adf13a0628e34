package dev.shoal.protocol.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.shoal.protocol.Fixtures;
import dev.shoal.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SignedEnvelopeTest {
  static final KeyPair A = Fixtures.ed25519(1);
  static final KeyPair B = Fixtures.ed25519(2);

  @Test
  void roundTripsArbitraryPayloadsAndSignatureLists() {
    qt().withExamples(100)
        .forAll(longs().all(), integers().between(0, 3))
        .checkAssert(
            (seed, sigs) -> {
              Random r = new Random(seed);
              SignedEnvelope env =
                  new SignedEnvelope(Fixtures.bytes(r, r.nextInt(300)), java.util.List.of());
              for (int i = 0; i < sigs; i++) {
                env = env.withSignature(r.nextBoolean() ? A : B);
              }
              byte[] encoded = env.encode();
              SignedEnvelope parsed = SignedEnvelope.parse(encoded);
              assertThat(parsed).isEqualTo(env);
              assertThat(parsed.encode()).isEqualTo(encoded);
            });
  }

  @Test
  void encodingIsTheDocumentedJson() {
    SignedEnvelope env =
        new SignedEnvelope("hi".getBytes(StandardCharsets.UTF_8), java.util.List.of());
    assertThat(new String(env.encode(), StandardCharsets.UTF_8))
        .isEqualTo("{\"payload\":\"aGk=\",\"signatures\":[]}");
  }

  @Test
  void signaturesVerifyWithTheKeyTheyName() {
    SignedEnvelope env = SignedEnvelope.sign(new byte[] {1, 2, 3}, A);
    SignedEnvelope.Sig sig = env.signatures().get(0);
    assertThat(sig.keyId()).isEqualTo(Ed25519.keyId(A.getPublic()));
    assertThat(Ed25519.verify(A.getPublic(), env.payload(), sig.signature())).isTrue();
    assertThat(Ed25519.verify(B.getPublic(), env.payload(), sig.signature())).isFalse();
    assertThat(Ed25519.verify(A.getPublic(), new byte[] {1, 2, 4}, sig.signature())).isFalse();
  }

  @Test
  void rejectsNonCanonicalAndMalformedEnvelopes() {
    String good =
        new String(SignedEnvelope.sign(new byte[] {1}, A).encode(), StandardCharsets.UTF_8);
    for (String bad :
        new String[] {
          good.replace("{\"payload\"", "{ \"payload\""),
          good.replace("\"AQ==\"", "\"AQ\""),
          good.replace("\"AQ==\"", "\"AR==\""),
          good.replace("\"AQ==\"", "1"),
          good.replace("\"keyId\":\"", "\"keyId\":\"00"),
          good.replace("\"signatures\":[", "\"signatures\":[1,"),
          good.replace("}]}", ",\"x\":1}]}"),
          "{\"payload\":\"\"}",
          "[]",
        }) {
      assertThatThrownBy(() -> SignedEnvelope.parse(bad.getBytes(StandardCharsets.UTF_8)))
          .as(bad)
          .isInstanceOf(ProtocolException.class)
          .hasMessageStartingWith("envelope");
    }
  }

  @Test
  void rejectsSignaturesOfTheWrongLength() {
    String env =
        "{\"payload\":\"AQ==\",\"signatures\":[{\"keyId\":\""
            + "a".repeat(32)
            + "\",\"signature\":\"AAAA\"}]}";
    assertThatThrownBy(() -> SignedEnvelope.parse(env.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("envelope.signatures[0].signature: must be 64 bytes");
  }

  @Test
  void rawPublicKeysRoundTripAndKeyIdIsTheDocumentedHash() {
    byte[] raw = Ed25519.rawPublicKey(A.getPublic());
    assertThat(raw).hasSize(32);
    assertThat(Ed25519.publicKey(raw)).isEqualTo(A.getPublic());
    assertThat(Ed25519.keyId(A.getPublic())).isEqualTo(Fixtures.sha256Hex(raw).substring(0, 32));
    assertThat(Ed25519.privateKey(A.getPrivate().getEncoded()).getEncoded())
        .isEqualTo(A.getPrivate().getEncoded());
  }

  @Test
  void rfc8032TestVector1() {
    // RFC 8032 section 7.1, TEST 1: empty message.
    byte[] pub =
        dev.shoal.protocol.Hex.decode(
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    byte[] sig =
        dev.shoal.protocol.Hex.decode(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    assertThat(Ed25519.verify(Ed25519.publicKey(pub), new byte[0], sig)).isTrue();
    sig[0] ^= 1;
    assertThat(Ed25519.verify(Ed25519.publicKey(pub), new byte[0], sig)).isFalse();
  }
}
