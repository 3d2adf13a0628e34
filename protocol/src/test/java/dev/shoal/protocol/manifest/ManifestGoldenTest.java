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
  static final String SAMPLE_SHA256 =
      "29fd09ec783c9cca7c681bd9b434264ea72c3f7e756d8ed05d938e63226b0840";

  static byte[] sampleBytes() throws IOException {
    try (InputStream in = ManifestGoldenTest.class.getResourceAsStream("sample-manifest.json")) {
      return in.readAllBytes();
    }
  }

  @Test
  void encodingOfTheSampleIsPinned() throws IOException {
    assertThat(ManifestCodec.encode(Fixtures.sample())).isEqualTo(sampleBytes());
    assertThat(Fixtures.sha256Hex(sampleBytes())).isEqualTo(SAMPLE_SHA256);
  }

  @Test
  void sampleParsesBackToTheSameManifestAndIsConsistent() throws IOException {
    ReleaseManifest parsed = ManifestCodec.parse(sampleBytes());
    assertThat(parsed).isEqualTo(Fixtures.sample());
    ManifestConsistency.check(parsed);
  }
}
