package dev.shoal.protocol.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.shoal.protocol.Fixtures;
import dev.shoal.protocol.Hex;
import dev.shoal.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyWrapTest {
  static final KeyPair DEVICE = Fixtures.x25519(1);
  static final KeyPair OTHER = Fixtures.x25519(2);

  @Test
  void unwrapRecoversTheKeyAndTheJsonFormRoundTrips() {
    qt().withExamples(30)
        .forAll(longs().all())
        .checkAssert(
            seed -> {
              Random r = new Random(seed);
              byte[] key = Fixtures.bytes(r, 32);
              String keyId = "ck-" + Long.toHexString(r.nextLong());
              WrappedKey wrapped = KeyWrap.wrap(key, keyId, DEVICE.getPublic());
              WrappedKey parsed = WrappedKey.parse(wrapped.encode());
              assertThat(parsed).isEqualTo(wrapped);
              assertThat(parsed.encode()).isEqualTo(wrapped.encode());
              assertThat(KeyWrap.unwrap(parsed, DEVICE.getPrivate())).isEqualTo(key);
            });
  }

  @Test
  void eachWrapUsesAFreshEphemeralKeyAndNonce() {
    byte[] key = new byte[32];
    WrappedKey a = KeyWrap.wrap(key, "ck", DEVICE.getPublic());
    WrappedKey b = KeyWrap.wrap(key, "ck", DEVICE.getPublic());
    assertThat(a.ephemeralPublicKey()).isNotEqualTo(b.ephemeralPublicKey());
    assertThat(a.ciphertext()).isNotEqualTo(b.ciphertext());
  }

  @Test
  void anotherDeviceCannotUnwrap() {
    WrappedKey wrapped = KeyWrap.wrap(new byte[32], "ck", DEVICE.getPublic());
    assertThatThrownBy(() -> KeyWrap.unwrap(wrapped, OTHER.getPrivate()))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("not for this device");
  }

  @Test
  void relabellingTheKeyIdIsDetected() {
    WrappedKey wrapped = KeyWrap.wrap(new byte[32], "ck-a", DEVICE.getPublic());
    WrappedKey relabelled =
        new WrappedKey("ck-b", wrapped.ephemeralPublicKey(), wrapped.nonce(), wrapped.ciphertext());
    assertThatThrownBy(() -> KeyWrap.unwrap(relabelled, DEVICE.getPrivate()))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void smallOrderEphemeralKeyIsRejected() {
    WrappedKey wrapped = KeyWrap.wrap(new byte[32], "ck", DEVICE.getPublic());
    WrappedKey hostile = new WrappedKey("ck", new byte[32], wrapped.nonce(), wrapped.ciphertext());
    assertThatThrownBy(() -> KeyWrap.unwrap(hostile, DEVICE.getPrivate()))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void rawX25519KeysRoundTrip() {
    byte[] raw = X25519.rawPublicKey(DEVICE.getPublic());
    assertThat(raw).hasSize(32);
    assertThat(X25519.publicKey(raw)).isEqualTo(DEVICE.getPublic());
    assertThat(X25519.privateKey(DEVICE.getPrivate().getEncoded()).getEncoded())
        .isEqualTo(DEVICE.getPrivate().getEncoded());
  }

  @Test
  void rfc7748RawKeyEncoding() throws Exception {
    // RFC 7748 section 6.1: Alice's private and public key.
    byte[] alicePrivate =
        Hex.decode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    byte[] pkcs8 =
        dev.shoal.protocol.Hex.decode(
            "302e020100300506032b656e04220420" + Hex.encode(alicePrivate));
    byte[] bobPublic =
        Hex.decode("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    byte[] shared = X25519.agree(X25519.privateKey(pkcs8), X25519.publicKey(bobPublic));
    assertThat(Hex.encode(shared))
        .isEqualTo("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  }

  @Test
  void parseRejectsMalformedJson() {
    String good =
        new String(
            KeyWrap.wrap(new byte[32], "ck", DEVICE.getPublic()).encode(), StandardCharsets.UTF_8);
    for (String bad :
        new String[] {
          good.replace("\"ck\"", "\"\""),
          good.replace("{", "{ "),
          good.replace("\"nonce\"", "\"nonc\""),
          "{}"
        }) {
      assertThatThrownBy(() -> WrappedKey.parse(bad.getBytes(StandardCharsets.UTF_8)))
          .isInstanceOf(ProtocolException.class)
          .hasMessageStartingWith("wrappedKey");
    }
  }
}
