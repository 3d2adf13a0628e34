package dev.shoal.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class UtpPacketTest {

  private static ByteBuffer packet(int type, byte[] sack, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(2048);
    UtpPacket.encodeHeader(b, type, 0xBEEF, 0x80000001, 12345, 1 << 20, 0xFFFF, 7, sack);
    b.put(payload);
    return b.flip();
  }

  @Test
  void roundTripsEveryField() throws Exception {
    byte[] sack = {1, 0, 0, (byte) 0x80};
    UtpPacket p = UtpPacket.decode(packet(UtpPacket.ST_STATE, sack, new byte[0]));
    assertThat(p.type()).isEqualTo(UtpPacket.ST_STATE);
    assertThat(p.connectionId()).isEqualTo(0xBEEF);
    assertThat(p.timestamp()).isEqualTo(0x80000001);
    assertThat(p.timestampDiff()).isEqualTo(12345);
    assertThat(p.window()).isEqualTo(1 << 20);
    assertThat(p.seq()).isEqualTo(0xFFFF);
    assertThat(p.ack()).isEqualTo(7);
    assertThat(p.sack()).containsExactly(sack);
    assertThat(p.payload().remaining()).isZero();

    UtpPacket d = UtpPacket.decode(packet(UtpPacket.ST_DATA, null, new byte[] {9, 8, 7}));
    assertThat(d.sack()).isNull();
    assertThat(d.payloadBytes()).containsExactly(9, 8, 7);
  }

  @Test
  void skipsUnknownExtensions() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(64);
    UtpPacket.encodeHeader(b, UtpPacket.ST_DATA, 1, 2, 3, 4, 5, 6, null);
    b.put(1, (byte) 3); // first extension: type 3 (libtorrent's close reason), 4 bytes
    b.put((byte) 1).put((byte) 4).put(new byte[4]); // then a selective ack
    b.put((byte) 0).put((byte) 4).put(new byte[] {1, 2, 3, 4});
    b.put((byte) 42);
    UtpPacket p = UtpPacket.decode(b.flip());
    assertThat(p.sack()).containsExactly(1, 2, 3, 4);
    assertThat(p.payloadBytes()).containsExactly(42);
  }

  @Test
  void rejectsWhatIsNotUtpVersionOne() {
    assertRejected(ByteBuffer.wrap(new byte[19]), "short");
    ByteBuffer v2 = packet(UtpPacket.ST_DATA, null, new byte[0]);
    v2.put(0, (byte) (UtpPacket.ST_DATA << 4 | 2));
    assertRejected(v2, "version");
    ByteBuffer type5 = packet(UtpPacket.ST_DATA, null, new byte[0]);
    type5.put(0, (byte) (5 << 4 | 1));
    assertRejected(type5, "type");
    ByteBuffer truncated = packet(UtpPacket.ST_STATE, new byte[4], new byte[0]);
    truncated.limit(truncated.limit() - 1);
    assertRejected(truncated, "truncated");
    ByteBuffer oddSack = packet(UtpPacket.ST_STATE, new byte[4], new byte[0]);
    oddSack.put(21, (byte) 3);
    assertRejected(oddSack, "selective ack");
    assertRejected(packet(UtpPacket.ST_STATE, null, new byte[] {1}), "payload");
  }

  private static void assertRejected(ByteBuffer b, String why) {
    assertThatThrownBy(() -> UtpPacket.decode(b))
        .isInstanceOf(UtpPacket.Malformed.class)
        .hasMessageContaining(why);
  }
}
