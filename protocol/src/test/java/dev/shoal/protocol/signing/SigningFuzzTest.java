package dev.shoal.protocol.signing;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.shoal.protocol.Fixtures;
import dev.shoal.protocol.ProtocolException;
import dev.shoal.protocol.crypto.WrappedKey;
import java.security.KeyPair;
import java.util.Arrays;

/** Parsers of signed envelopes, trust roots and wrapped keys on hostile bytes. */
class SigningFuzzTest {
  static final KeyPair A = Fixtures.ed25519(21);
  static final KeyPair B = Fixtures.ed25519(22);
  static final TrustRoot V1 = TrustRoot.of(1, 1, null, A.getPublic(), B.getPublic());

  @FuzzTest(maxDuration = "2m")
  void envelope(byte[] data) {
    try {
      SignedEnvelope e = SignedEnvelope.parse(data, 1 << 16);
      if (!Arrays.equals(e.encode(), data)) {
        throw new AssertionError("accepted a non-canonical envelope");
      }
      V1.validSigners(e);
    } catch (ProtocolException expected) {
      // rejected cleanly
    }
  }

  @FuzzTest(maxDuration = "2m")
  void trustRoot(byte[] data) {
    try {
      TrustRoot root = TrustRoot.parse(data);
      if (!Arrays.equals(root.encode(), data)) {
        throw new AssertionError("accepted a non-canonical trust root");
      }
    } catch (ProtocolException expected) {
      // rejected cleanly
    }
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
    try {
      WrappedKey key = WrappedKey.parse(data);
      if (!Arrays.equals(key.encode(), data)) {
        throw new AssertionError("accepted a non-canonical wrapped key");
      }
    } catch (ProtocolException expected) {
      // rejected cleanly
    }
  }
}
