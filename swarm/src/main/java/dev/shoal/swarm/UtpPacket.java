package dev.shoal.swarm;

import java.nio.ByteBuffer;

/**
 * One uTP packet (BEP 29, version 1): the 20-byte header, the selective ACK extension (1) if
 * present, and the payload. Other extensions are skipped, as BEP 29 asks. {@link #decode} is the
 * only way bytes from the network become a packet: it throws {@link Malformed} and nothing else.
 *
 * @param type ST_DATA .. ST_SYN
 * @param connectionId as on the wire (16 bits, unsigned)
 * @param timestamp sender's clock in microseconds (32 bits, wrapping)
 * @param timestampDiff sender's clock minus our timestamp of the last packet it received
 * @param window bytes the sender can still receive (unsigned 32, clamped to int)
 * @param seq sequence number (16 bits, unsigned)
 * @param ack last sequence number the sender received in order (16 bits, unsigned)
 * @param sack selective ACK bitmask (bit i: packet ack + 2 + i received), null if absent
 * @param payload the bytes after the header and extensions (a view into the datagram)
 */
record UtpPacket(
    int type,
    int connectionId,
    int timestamp,
    int timestampDiff,
    int window,
    int seq,
    int ack,
    byte[] sack,
    ByteBuffer payload) {

  static final int ST_DATA = 0;
  static final int ST_FIN = 1;
  static final int ST_STATE = 2;
  static final int ST_RESET = 3;
  static final int ST_SYN = 4;

  static final int VERSION = 1;
  static final int HEADER = 20;
  static final int EXT_SACK = 1;

  /** Largest SACK bitmask we read: more bits than packets we ever hold out of order. */
  static final int MAX_SACK_BYTES = 128;

  /** The datagram is not a uTP version 1 packet we can read. */
  static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message, null, false, false); // no stack trace: a flood of garbage costs little
    }
  }

  /** Reads one datagram (position to limit); leaves {@code datagram}'s position unchanged. */
  static UtpPacket decode(ByteBuffer datagram) throws Malformed {
    ByteBuffer b = datagram.duplicate();
    if (b.remaining() < HEADER) {
      throw new Malformed("short packet: " + b.remaining() + " bytes");
    }
    int typeVer = b.get() & 0xFF;
    int type = typeVer >>> 4;
    if ((typeVer & 0x0F) != VERSION) {
      throw new Malformed("version " + (typeVer & 0x0F));
    }
    if (type > ST_SYN) {
      throw new Malformed("type " + type);
    }
    int ext = b.get() & 0xFF;
    int connectionId = b.getShort() & 0xFFFF;
    int timestamp = b.getInt();
    int timestampDiff = b.getInt();
    long window = b.getInt() & 0xFFFFFFFFL;
    int seq = b.getShort() & 0xFFFF;
    int ack = b.getShort() & 0xFFFF;
    byte[] sack = null;
    while (ext != 0) {
      if (b.remaining() < 2) {
        throw new Malformed("truncated extension header");
      }
      int next = b.get() & 0xFF;
      int len = b.get() & 0xFF;
      if (b.remaining() < len) {
        throw new Malformed("truncated extension " + ext);
      }
      if (ext == EXT_SACK) {
        if (len == 0 || len % 4 != 0 || len > MAX_SACK_BYTES || sack != null) {
          throw new Malformed("bad selective ack length " + len);
        }
        sack = new byte[len];
        b.get(sack);
      } else {
        b.position(b.position() + len);
      }
      ext = next;
    }
    if (type != ST_DATA && b.hasRemaining()) {
      throw new Malformed("payload on packet type " + type);
    }
    return new UtpPacket(
        type,
        connectionId,
        timestamp,
        timestampDiff,
        (int) Math.min(window, Integer.MAX_VALUE),
        seq,
        ack,
        sack,
        b.slice().asReadOnlyBuffer());
  }

  /** Writes a header (and the SACK extension if {@code sack} is not null) at {@code out}. */
  static void encodeHeader(
      ByteBuffer out,
      int type,
      int connectionId,
      int timestamp,
      int timestampDiff,
      int window,
      int seq,
      int ack,
      byte[] sack) {
    out.put((byte) (type << 4 | VERSION));
    out.put((byte) (sack == null ? 0 : EXT_SACK));
    out.putShort((short) connectionId);
    out.putInt(timestamp);
    out.putInt(timestampDiff);
    out.putInt(window);
    out.putShort((short) seq);
    out.putShort((short) ack);
    if (sack != null) {
      out.put((byte) 0).put((byte) sack.length).put(sack);
    }
  }

  /** The payload's bytes, copied. */
  byte[] payloadBytes() {
    byte[] bytes = new byte[payload.remaining()];
    payload.duplicate().get(bytes);
    return bytes;
  }
}
