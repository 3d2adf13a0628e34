package dev.shoal.protocol.manifest;

import static dev.shoal.protocol.Fixtures.NOW;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.shoal.protocol.Fixtures;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.protocol.signing.TrustRoot;
import java.util.Arrays;

/**
 * Hostile bytes must either parse or be rejected with our exception; nothing else may escape. On
 * their own these replay the seeds in ManifestFuzzTestInputs/; with JAZZER_FUZZ=1 they fuzz.
 */
class ManifestFuzzTest {
  static final TrustRoot ROOT = TrustRoot.of(1, 1, null, Fixtures.PUBLISHER.getPublic());
  static final ManifestLimits LIMITS = new ManifestLimits(1 << 20, 1000, 1000, 8, 1000);

  @FuzzTest(maxDuration = "2m")
  void parse(byte[] data) {
    Fixtures.canonicalOrRejected(
        data,
        d -> ManifestCodec.parse(d, LIMITS),
        ManifestCodec::encode,
        ManifestConsistency::check);
  }

  /** Envelope bytes from the wire, as a client receives them. */
  @FuzzTest(maxDuration = "2m")
  void verifyEnvelope(byte[] data) {
    try {
      ManifestVerifier.verify(data, ROOT, "starfall", "live", 0, NOW, LIMITS);
    } catch (ManifestRejectedException expected) {
      // rejected cleanly
    }
  }

  /**
   * The fuzzer cannot forge signatures, so this target signs its input first and drives the checks
   * behind the signature gate: parsing, consistency, product, channel, expiry, rollback.
   */
  @FuzzTest(maxDuration = "2m")
  void verifySignedPayload(byte[] data) {
    SignedEnvelope envelope = SignedEnvelope.sign(data, Fixtures.PUBLISHER);
    try {
      ReleaseManifest m =
          ManifestVerifier.verify(envelope, ROOT, "starfall", "live", 41, NOW, LIMITS);
      if (!Arrays.equals(ManifestCodec.encode(m), data)) {
        throw new AssertionError("verified bytes that are not canonical");
      }
    } catch (ManifestRejectedException expected) {
      // rejected cleanly
    }
  }
}
