package dev.shoal.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.strings;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class CanonicalJsonWriterTest {
  @Test
  void escapesOnlyWhatJsonRequiresLikeRfc8785() {
    String s = "q\" b\\ / \b\f\n\r\t \u0001\u001f \u007f \u00e9 \u2028 \ud83d\udc1f";
    String json = new String(new CanonicalJsonWriter().value(s).toBytes(), StandardCharsets.UTF_8);
    assertThat(json)
        .isEqualTo(
            "\"q\\\" b\\\\ / \\b\\f\\n\\r\\t \\u0001\\u001f \u007f \u00e9 \u2028 \ud83d\udc1f\"");
  }

  @Test
  void anyWellFormedStringSurvivesAStandardJsonParser() {
    JsonMapper mapper = JsonMapper.builder().build();
    qt().withExamples(300)
        .forAll(strings().allPossible().ofLengthBetween(0, 40))
        .assuming(Text::isWellFormed)
        .checkAssert(
            s -> {
              byte[] json = new CanonicalJsonWriter().value(s).toBytes();
              assertThat(mapper.readTree(json).stringValue()).isEqualTo(s);
            });
  }

  @Test
  void refusesLoneSurrogates() {
    assertThatThrownBy(() -> new CanonicalJsonWriter().value("a\ud800b"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void enforcesKeyOrderAndStructure() {
    assertThatThrownBy(() -> new CanonicalJsonWriter().beginObject().field("b", 1).field("a", 2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("out of canonical order");
    assertThatThrownBy(() -> new CanonicalJsonWriter().beginObject().field("a", 1).field("a", 2))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new CanonicalJsonWriter().beginObject().toBytes())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new CanonicalJsonWriter().beginObject().value(1))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void writesCompactNestedValues() {
    byte[] json =
        new CanonicalJsonWriter()
            .beginObject()
            .name("a")
            .beginArray()
            .value(1)
            .value(-2)
            .nullValue()
            .beginObject()
            .endObject()
            .endArray()
            .field("b", Instant.parse("2026-11-25T04:00:00Z"))
            .field("c", new byte[] {1, 2, 3})
            .endObject()
            .toBytes();
    assertThat(new String(json, StandardCharsets.UTF_8))
        .isEqualTo("{\"a\":[1,-2,null,{}],\"b\":\"2026-11-25T04:00:00Z\",\"c\":\"AQID\"}");
  }

  @Test
  void refusesSubSecondInstants() {
    assertThatThrownBy(() -> new CanonicalJsonWriter().value(Instant.ofEpochMilli(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
