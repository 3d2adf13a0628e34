package dev.shoal.protocol.signing;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.shoal.protocol.Fixtures;
import dev.shoal.protocol.crypto.WrappedKey;
import java.security.KeyPair;

/** Parsers of signed envelopes, trust roots and wrapped keys on hostile bytes. */
class SigningFuzzTest {
  static final KeyPair A = Fixtures.ed25519(21);
  static final KeyPair B = Fixtures.ed25519(22);
  static final TrustRoot V1 = TrustRoot.of(1, 1, null, A.getPublic(), B.getPublic());

  @FuzzTest(maxDuration = "2m")
  void envelope(byte[] data) {
    Fixtures.canonicalOrRejected(
        data, d -> SignedEnvelope.parse(d, 1 << 16), SignedEnvelope::encode, V1::validSigners);
  }

  @FuzzTest(maxDuration = "2m")
  void trustRoot(byte[] data) {
    Fixtures.canonicalOrRejected(data, TrustRoot::parse, TrustRoot::encode, root -> {});
  }

  /** Input is the proposed new root, signed by an old key so the rotation rules run on it. */
  @FuzzTest(maxDuration = "2m")
  void rotation(byte[] data) {
    try {
      TrustRoot next = V1.rotate(SignedEnvelope.sign(data, A));
      if (next.version() != 2) {
        throw new AssertionError("accepted a rotation to version " + next.version());
      }
    } catch (RotationRejectedException expected) {
      // rejected cleanly
    }
  }

  @FuzzTest(maxDuration = "2m")
  void wrappedKey(byte[] data) {
    Fixtures.canonicalOrRejected(data, WrappedKey::parse, WrappedKey::encode, key -> {});
  }
}
