package dev.shoal.protocol.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.shoal.protocol.Fixtures;
import dev.shoal.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {
  @Test
  void randomReleasesRoundTripThroughTheirCanonicalBytes() {
    qt().withExamples(200)
        .forAll(longs().all())
        .checkAssert(
            seed -> {
              ReleaseManifest m = Fixtures.randomRelease(new Random(seed));
              byte[] bytes = ManifestCodec.encode(m);
              ReleaseManifest parsed = ManifestCodec.parse(bytes);
              assertThat(parsed).isEqualTo(m);
              assertThat(ManifestCodec.encode(parsed)).isEqualTo(bytes);
              ManifestConsistency.check(parsed);
            });
  }

  @Test
  void anyMutationEitherFailsOrIsItselfCanonical() {
    // The canonical-form rule: no two byte strings parse to the same manifest.
    byte[] original = ManifestCodec.encode(Fixtures.sample());
    qt().withExamples(300)
        .forAll(integers().between(0, original.length - 1), integers().between(0, 255))
        .checkAssert(
            (pos, value) -> {
              byte[] mutated = original.clone();
              mutated[pos] = (byte) (int) value;
              try {
                ReleaseManifest parsed = ManifestCodec.parse(mutated);
                assertThat(ManifestCodec.encode(parsed)).isEqualTo(mutated);
              } catch (ProtocolException expected) {
                assertThat(expected).hasMessageStartingWith("manifest");
              }
            });
  }

  @Test
  void rejectsWhitespace() {
    assertRejected(sampleJson().replace("\"channel\":", "\"channel\": "), "not in canonical form");
  }

  @Test
  void rejectsUnsortedKeys() {
    String json = sampleJson();
    String reordered =
        json.replace("{\"channel\":\"live\",", "{")
            .replace("\"contentKeyId\"", "\"channel\":\"live\",\"contentKeyId\"");
    assertRejected(reordered, "not in canonical form");
  }

  @Test
  void rejectsUnknownAndMissingFields() {
    assertRejected(
        sampleJson().replace("\"version\":42", "\"version\":42,\"zzz\":1"),
        "unknown field \"zzz\"");
    assertRejected(sampleJson().replace(",\"version\":42", ""), "manifest.version: missing");
  }

  @Test
  void rejectsAFormatThisBuildDoesNotRead() {
    assertRejected(
        sampleJson().replace("\"format\":2", "\"format\":3"),
        "manifest.format: 3 is not supported (this build reads formats 1..2; a newer format needs"
            + " a newer agent)");
    assertRejected(sampleJson().replace(",\"format\":2", ""), "manifest.format: missing");
  }

  @Test
  void formatOneHasNoPatchesAndFormatTwoNeedsThem() {
    String v1 = new String(ManifestCodec.encode(Fixtures.sampleFormat1()), StandardCharsets.UTF_8);
    assertThat(v1).contains("\"format\":1").doesNotContain("patches");
    assertRejected(
        v1.replace("\"kind\":\"full\",", "\"kind\":\"full\",\"patches\":[],"),
        "unknown field \"patches\"");
    assertRejected(v1.replace("\"format\":1", "\"format\":2"), "patches: missing");
    assertThatThrownBy(() -> Fixtures.withFormat(Fixtures.sample(), 1))
        .hasMessageContaining("format 1 has no patches");
  }

  @Test
  void rejectsFloatsAndOutOfRangeIntegers() {
    assertRejected(
        sampleJson().replace("\"version\":42", "\"version\":42.0"),
        "manifest.version: expected an integer");
    assertRejected(
        sampleJson().replace("\"version\":42", "\"version\":4.2e1"),
        "manifest.version: expected an integer");
    assertRejected(
        sampleJson().replace("\"version\":42", "\"version\":0"), "manifest.version: 0 outside");
    assertRejected(
        sampleJson().replace("\"version\":42", "\"version\":99999999999999999999"),
        "manifest.version");
  }

  @Test
  void rejectsDuplicateKeysAndTrailingData() {
    assertRejected(
        sampleJson().replace("\"version\":42", "\"version\":42,\"version\":42"), "manifest");
    assertRejected(sampleJson() + " ", "manifest");
    assertRejected(sampleJson() + "{}", "manifest");
  }

  @Test
  void rejectsNonMinimalEscapes() {
    assertRejected(sampleJson().replace("1.4.2", "\\u0031.4.2"), "not in canonical form");
  }

  @Test
  void rejectsBadHexWithTheFieldName() {
    String json = sampleJson();
    String firstSha = json.substring(json.indexOf("\"sha256\":\"") + 10).substring(0, 64);
    assertRejected(
        json.replace(firstSha, firstSha.toUpperCase()),
        "manifest.files[0].sha256: expected 64 lowercase hex");
  }

  @Test
  void rejectsUnsafePaths() {
    for (String bad :
        new String[] {
          "../x", "a/../b", "/etc/passwd", "a//b", "a/", "a\\\\b", "c:/x", "a/./b", "a\\u0000b"
        }) {
      assertRejected(
          sampleJson().replace("\"readme.txt\"", "\"" + bad + "\""), "manifest.files[3].path");
    }
  }

  @Test
  void rejectsDuplicatePathsIgnoringCase() {
    assertRejected(
        sampleJson().replace("\"readme.txt\"", "\"BIN/game.exe\""),
        "files[3].path: duplicate path");
  }

  @Test
  void rejectsLongLists() {
    ManifestLimits tight = new ManifestLimits(1 << 20, 2, 100, 4, 100);
    assertThatThrownBy(() -> ManifestCodec.parse(sampleBytes(), tight))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("manifest.files: 4 elements, limit 2");
  }

  @Test
  void rejectsGarbage() {
    for (String bad : new String[] {"", "null", "[]", "\"x\"", "{", "{}", "\u0000"}) {
      assertThatThrownBy(() -> ManifestCodec.parse(bad.getBytes(StandardCharsets.UTF_8)))
          .isInstanceOf(ProtocolException.class);
    }
  }

  @Test
  void rejectsDeepNestingQuickly() {
    String deep = "{\"channel\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
    assertRejected(deep, "manifest");
  }

  static String sampleJson() {
    return new String(sampleBytes(), StandardCharsets.UTF_8);
  }

  static byte[] sampleBytes() {
    return ManifestCodec.encode(Fixtures.sample());
  }

  private static void assertRejected(String json, String messagePart) {
    assertThatThrownBy(() -> ManifestCodec.parse(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining(messagePart);
  }
}
