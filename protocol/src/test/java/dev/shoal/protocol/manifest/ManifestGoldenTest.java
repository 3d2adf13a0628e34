package dev.shoal.protocol.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * Pins the canonical bytes. If this fails, the encoding changed and every signed manifest in the
 * field would stop verifying: change the format version instead of the golden file.
 */
class ManifestGoldenTest {
  static final String SAMPLE_V2_SHA256 =
      "db762aab55884eccf07f2b00fc12bc01abe2fc8745a9a198d1f9335dffba70d7";
  static final String SAMPLE_SHA256 =
      "29fd09ec783c9cca7c681bd9b434264ea72c3f7e756d8ed05d938e63226b0840";

  static byte[] sampleBytes() throws IOException {
    return resource("sample-manifest-v2.json");
  }

  /** Format 1, as published before format 2: still read (installed releases, delta bases). */
  static byte[] sampleFormat1Bytes() throws IOException {
    return resource("sample-manifest.json");
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = ManifestGoldenTest.class.getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void encodingOfTheSampleIsPinned() throws IOException {
    assertThat(ManifestCodec.encode(Fixtures.sample())).isEqualTo(sampleBytes());
    assertThat(Fixtures.sha256Hex(sampleBytes())).isEqualTo(SAMPLE_V2_SHA256);
  }

  @Test
  void sampleParsesBackToTheSameManifestAndIsConsistent() throws IOException {
    ReleaseManifest parsed = ManifestCodec.parse(sampleBytes());
    assertThat(parsed).isEqualTo(Fixtures.sample());
    assertThat(parsed.format()).isEqualTo(2);
    ManifestConsistency.check(parsed);
  }

  @Test
  void formatOneIsStillReadAndReencodedAsItWas() throws IOException {
    assertThat(Fixtures.sha256Hex(sampleFormat1Bytes())).isEqualTo(SAMPLE_SHA256);
    ReleaseManifest parsed = ManifestCodec.parse(sampleFormat1Bytes());
    assertThat(parsed).isEqualTo(Fixtures.sampleFormat1());
    assertThat(parsed.format()).isEqualTo(1);
    assertThat(ManifestCodec.encode(parsed)).isEqualTo(sampleFormat1Bytes());
    ManifestConsistency.check(parsed);
  }
}
