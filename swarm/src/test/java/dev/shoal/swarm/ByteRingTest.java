package dev.shoal.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteRingTest {

  /** Random puts and gets across the wrap and the growth: out comes what went in, in order. */
  @Test
  void bytesComeOutInOrderAcrossWrapsAndGrowth() {
    ByteRing ring = new ByteRing(16, 1024);
    Random r = new Random(5);
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int round = 0; round < 2000; round++) {
      byte[] chunk = new byte[r.nextInt(1024 - ring.size() + 1)];
      r.nextBytes(chunk);
      ring.put(ByteBuffer.wrap(chunk).asReadOnlyBuffer());
      in.writeBytes(chunk);
      ByteBuffer dst = ByteBuffer.allocate(r.nextInt(700));
      int n = ring.get(dst);
      assertThat(n).isEqualTo(dst.position());
      out.write(dst.array(), 0, n);
    }
    ByteBuffer rest = ByteBuffer.allocate(1024);
    out.write(rest.array(), 0, ring.get(rest));
    assertThat(ring.size()).isZero();
    assertThat(out.toByteArray()).isEqualTo(in.toByteArray());
  }

  /** Grown while its bytes wrap around the end: they keep their order. */
  @Test
  void growsWhileWrapped() {
    ByteRing ring = new ByteRing(16, 1024);
    ring.put(ByteBuffer.wrap(count(0, 12)));
    ByteBuffer first = ByteBuffer.allocate(8);
    ring.get(first);
    ring.put(ByteBuffer.wrap(count(12, 8))); // 4 at the end, 4 at the start
    ring.put(ByteBuffer.wrap(count(20, 20))); // 12 + 20 > 16: grows
    ByteBuffer all = ByteBuffer.allocate(64);
    assertThat(ring.get(all)).isEqualTo(32);
    assertThat(java.util.Arrays.copyOf(all.array(), 32)).isEqualTo(count(8, 32));
  }

  private static byte[] count(int from, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (from + i);
    }
    return b;
  }

  @Test
  void neverHoldsMoreThanItsLimit() {
    ByteRing ring = new ByteRing(16, 64);
    ring.put(ByteBuffer.allocate(60));
    assertThatThrownBy(() -> ring.put(ByteBuffer.allocate(5)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(ring.size()).isEqualTo(60);
  }
}
