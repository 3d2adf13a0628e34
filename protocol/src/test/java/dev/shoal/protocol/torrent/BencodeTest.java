package dev.shoal.protocol.torrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BencodeTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void decodesAllTypes() throws Exception {
    Object v = Bencode.decode(b("d1:ai-42e1:bl3:xyzi0ee1:cdee"));
    assertThat(v).isInstanceOf(Map.class);
    Map<?, ?> m = (Map<?, ?>) v;
    assertThat(m.get("a")).isEqualTo(-42L);
    List<?> list = (List<?>) m.get("b");
    assertThat((byte[]) list.get(0)).isEqualTo(b("xyz"));
    assertThat(list.get(1)).isEqualTo(0L);
    assertThat(m.get("c")).isEqualTo(Map.of());
  }

  @Test
  void encodesWithSortedKeys() {
    byte[] out = Bencode.encode(new java.util.LinkedHashMap<>(Map.of("zz", 1L, "a", "x")));
    assertThat(new String(out, StandardCharsets.ISO_8859_1)).isEqualTo("d1:a1:x2:zzi1ee");
  }

  @Test
  void rejectsHostileInputPrecisely() {
    assertRejected("4294967296:x", "exceeds input");
    assertRejected("i01e", "leading zero");
    assertRejected("i-0e", "negative zero");
    assertRejected("ie", "empty integer");
    assertRejected("i99999999999999999999e", "integer too long");
    assertRejected("d1:bi1e1:ai1ee", "keys not sorted");
    assertRejected("d1:ai1e1:ai1ee", "duplicate key");
    assertRejected("di1ei1ee", "dictionary key must be a string");
    assertRejected("l".repeat(100) + "e".repeat(100), "nesting deeper");
    assertRejected("i1ei2e", "trailing data");
    assertRejected("l", "unexpected end");
    assertRejected("x", "unexpected byte");
  }

  @Test
  void enforcesValueCountLimit() {
    Bencode.Limits tiny = new Bencode.Limits(1000, 10, 3);
    assertThatThrownBy(() -> Bencode.decode(b("li1ei2ei3ee"), tiny))
        .isInstanceOf(BencodeException.class)
        .hasMessageContaining("more than 3 values");
  }

  private static void assertRejected(String input, String reason) {
    assertThatThrownBy(() -> Bencode.decode(b(input)))
        .isInstanceOf(BencodeException.class)
        .hasMessageContaining(reason);
  }
}
