package dev.shoal.swarm;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;

/**
 * Fuzz target for the uTP packet decoder, which reads every datagram anyone sends to our UDP port.
 * Without {@code JAZZER_FUZZ} it replays src/test/resources/dev/shoal/swarm/UtpFuzzTestInputs/
 * decode/ as an ordinary test. The only exception allowed out is {@link UtpPacket.Malformed}; a
 * decoded packet's fields are in range and its header encodes back to the bytes it came from.
 */
class UtpFuzzTest {

  @FuzzTest
  void decode(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    UtpPacket p;
    try {
      p = UtpPacket.decode(in);
    } catch (UtpPacket.Malformed e) {
      return;
    }
    check(in.position() == 0, "moved the caller's position");
    check(p.type() >= 0 && p.type() <= UtpPacket.ST_SYN, "type " + p.type());
    check(p.connectionId() >= 0 && p.connectionId() <= 0xFFFF, "connection id");
    check(p.seq() >= 0 && p.seq() <= 0xFFFF && p.ack() >= 0 && p.ack() <= 0xFFFF, "seq/ack");
    check(p.window() >= 0, "window");
    check(p.sack() == null || p.sack().length % 4 == 0 && p.sack().length > 0, "sack");
    check(p.type() == UtpPacket.ST_DATA || !p.payload().hasRemaining(), "payload on control");
    check(p.payload().remaining() <= bytes.length - UtpPacket.HEADER, "payload longer than packet");
    ByteBuffer again = ByteBuffer.allocate(UtpPacket.HEADER);
    UtpPacket.encodeHeader(
        again,
        p.type(),
        p.connectionId(),
        p.timestamp(),
        p.timestampDiff(),
        p.window() == Integer.MAX_VALUE ? ByteBuffer.wrap(bytes, 12, 4).getInt() : p.window(),
        p.seq(),
        p.ack(),
        null);
    for (int i = 0; i < UtpPacket.HEADER; i++) {
      check(i == 1 || again.get(i) == bytes[i], "header byte " + i + " differs");
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }
}
