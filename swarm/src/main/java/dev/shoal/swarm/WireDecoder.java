package dev.shoal.swarm;

import dev.shoal.protocol.torrent.Bencode;
import dev.shoal.protocol.torrent.BencodeException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Map;

/**
 * Peer wire framing and validation (BEP 3, BEP 6, BEP 10) for one connection, kept apart from the
 * engine so it can be fuzzed on its own. It does no I/O and never allocates by a length the peer
 * sent: whatever the bytes, {@link #next} either decodes one message whose fields are in range for
 * the torrent, asks for more bytes, or throws {@link ProtocolException}.
 *
 * <p>Strict where sloppiness would cost us (lengths, piece indices, offsets, block sizes), lenient
 * where it costs nothing (unknown ids, stray payload on fixed-size messages, spare bitfield bits,
 * SUGGEST/ALLOWED_FAST/PORT, which the engine ignores anyway).
 */
final class WireDecoder {
  /** {@link #id} of a keep-alive (a zero length prefix). */
  static final int KEEP_ALIVE = -1;

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  /** The fixed 68-byte handshake. */
  record Handshake(byte[] infoHash, byte[] peerId, boolean extended, boolean fast) {}

  /** What a BEP 10 extension handshake told us; -1 = absent or out of range. */
  /** {@code holepunch}: the peer's id for ut_holepunch (BEP 55), 0 when it has none. */
  record ExtHandshake(int reqq, int port, int holepunch) {}

  final int pieceCount;
  final int pieceLength;
  final long totalLength;
  final int bitfieldBytes;

  /** Largest length prefix accepted: a 16 KiB PIECE plus margin, or the bitfield if larger. */
  final int maxMessage;

  // ---- the message decoded by the last successful next() ----

  /** Message id, or {@link #KEEP_ALIVE}. */
  int id;

  /** HAVE/REQUEST/CANCEL/REJECT/PIECE: piece index; EXTENDED: extension message id. */
  int index;

  /** REQUEST/CANCEL/REJECT/PIECE: offset in the piece. */
  int begin;

  /** REQUEST/CANCEL/REJECT: requested length; PIECE: data length. */
  int length;

  /**
   * PIECE: the block's data; EXTENDED: the body after the extension id; BITFIELD: the raw bits;
   * else the raw payload. A view into the read buffer, valid until the buffer is compacted.
   */
  ByteBuffer payload = EMPTY;

  WireDecoder(int pieceCount, int pieceLength, long totalLength) {
    if (pieceCount < 1
        || pieceLength < 1
        || totalLength <= (long) (pieceCount - 1) * pieceLength
        || totalLength > (long) pieceCount * pieceLength) {
      throw new IllegalArgumentException("inconsistent torrent geometry");
    }
    this.pieceCount = pieceCount;
    this.pieceLength = pieceLength;
    this.totalLength = totalLength;
    this.bitfieldBytes = (pieceCount + 7) / 8;
    this.maxMessage = Math.max(Wire.MAX_MESSAGE, 1 + bitfieldBytes);
  }

  int pieceSize(int index) {
    return index == pieceCount - 1 ? (int) (totalLength - (long) index * pieceLength) : pieceLength;
  }

  /**
   * Returns the handshake once all 68 bytes are in (and consumes them), null while more are needed.
   * Anything but 19 "BitTorrent protocol" at the start (MSE/PE, HTTP, garbage) is refused at the
   * first wrong byte, without waiting for more.
   */
  static Handshake handshake(ByteBuffer in) throws ProtocolException {
    int avail = in.remaining();
    for (int i = 0; i < Math.min(avail, 20); i++) {
      byte expected = i == 0 ? (byte) 19 : Wire.PROTOCOL[i - 1];
      if (in.get(in.position() + i) != expected) {
        throw new ProtocolException("not a BitTorrent handshake (encrypted or garbage)", false);
      }
    }
    if (avail < Wire.HANDSHAKE_LEN) {
      return null;
    }
    byte[] hs = new byte[Wire.HANDSHAKE_LEN];
    in.get(hs);
    return new Handshake(
        Arrays.copyOfRange(hs, 28, 48),
        Arrays.copyOfRange(hs, 48, 68),
        (hs[20 + 5] & 0x10) != 0,
        (hs[20 + 7] & 0x04) != 0);
  }

  /**
   * Decodes the next complete message of {@code in} (read mode) into the fields above and returns
   * true; returns false, consuming nothing, while the message is incomplete. The length prefix is
   * checked as soon as its 4 bytes are in.
   */
  boolean next(ByteBuffer in) throws ProtocolException {
    if (in.remaining() < 4) {
      return false;
    }
    int start = in.position();
    int len = in.getInt(start);
    if (len < 0 || len > maxMessage) {
      throw new ProtocolException(
          "oversized message of " + Integer.toUnsignedString(len) + " bytes", true);
    }
    if (in.remaining() < 4 + len) {
      return false;
    }
    in.position(start + 4 + len);
    index = -1;
    begin = -1;
    length = -1;
    if (len == 0) {
      id = KEEP_ALIVE;
      payload = EMPTY;
      return true;
    }
    id = in.get(start + 4) & 0xff;
    payload = in.slice(start + 5, len - 1);
    validate(len - 1);
    return true;
  }

  private void validate(int n) throws ProtocolException {
    switch (id) {
      case Wire.HAVE -> {
        if (n != 4) {
          throw new ProtocolException("HAVE of " + n + " bytes", false);
        }
        index = payload.getInt(0);
        if (index < 0 || index >= pieceCount) {
          throw new ProtocolException("HAVE for piece " + index + " of " + pieceCount, false);
        }
      }
      case Wire.BITFIELD -> {
        if (n != bitfieldBytes) {
          throw new ProtocolException(
              "bitfield of " + n + " bytes for " + pieceCount + " pieces", true);
        }
      }
      case Wire.REQUEST, Wire.CANCEL, Wire.REJECT -> {
        if (n != 12) {
          throw new ProtocolException("block reference of " + n + " bytes", id == Wire.REQUEST);
        }
        index = payload.getInt(0);
        begin = payload.getInt(4);
        length = payload.getInt(8);
        if (!inRange(index, begin, length)) {
          // Serving a bad REQUEST is what a flood or a probe wants from us: ban. A bad CANCEL or
          // REJECT costs nothing but is still nonsense: close.
          throw new ProtocolException(
              name(id) + " out of range: " + index + "/" + begin + "/" + length,
              id == Wire.REQUEST);
        }
      }
      case Wire.PIECE -> {
        if (n <= 8) {
          throw new ProtocolException("PIECE without data", false);
        }
        index = payload.getInt(0);
        begin = payload.getInt(4);
        length = n - 8;
        if (length > Wire.BLOCK) {
          throw new ProtocolException("PIECE of " + length + " bytes: larger than any block", true);
        }
        if (!inRange(index, begin, length)) {
          throw new ProtocolException(
              "PIECE out of range: " + index + "/" + begin + "/" + length, true);
        }
        payload = payload.slice(8, length);
      }
      case Wire.EXTENDED -> {
        if (n >= 1) {
          index = payload.get(0) & 0xff;
          payload = payload.slice(1, n - 1);
        }
        // an EXTENDED without an extension id is tolerated and ignored (index stays -1)
      }
      default -> {
        // CHOKE..NOT_INTERESTED, HAVE_ALL, HAVE_NONE with stray bytes, PORT, SUGGEST,
        // ALLOWED_FAST, unknown ids: nothing to check, nothing we act on beyond the id.
      }
    }
  }

  private boolean inRange(int piece, int offset, int len) {
    return piece >= 0
        && piece < pieceCount
        && offset >= 0
        && len > 0
        && len <= Wire.BLOCK
        && (long) offset + len <= pieceSize(piece);
  }

  /** The pieces of the last BITFIELD (bit 7 of byte 0 is piece 0); spare bits are ignored. */
  BitSet bitfield() {
    BitSet bits = new BitSet(pieceCount);
    for (int i = 0; i < pieceCount; i++) {
      if ((payload.get(i >> 3) & (0x80 >>> (i & 7))) != 0) {
        bits.set(i);
      }
    }
    return bits;
  }

  /** Reads "reqq" and "p" from an extension handshake body; null if it is not a bencoded dict. */
  static ExtHandshake extHandshake(ByteBuffer body) {
    byte[] raw = new byte[body.remaining()]; // bounded by maxMessage
    body.duplicate().get(raw);
    try {
      if (Bencode.decode(raw, new Bencode.Limits(64 * 1024, 8, 4096)) instanceof Map<?, ?> d) {
        int reqq = -1;
        int port = -1;
        if (d.get("reqq") instanceof Long r && r > 0) {
          reqq = (int) Math.max(4, Math.min(r, 4096));
        }
        if (d.get("p") instanceof Long p && p > 0 && p < 65536) {
          port = p.intValue();
        }
        int holepunch = 0;
        if (d.get("m") instanceof Map<?, ?> m
            && m.get("ut_holepunch") instanceof Long h
            && h > 0
            && h < 256) {
          holepunch = h.intValue();
        }
        return new ExtHandshake(reqq, port, holepunch);
      }
      return null;
    } catch (BencodeException e) {
      return null;
    }
  }

  static String name(int id) {
    return switch (id) {
      case Wire.REQUEST -> "REQUEST";
      case Wire.CANCEL -> "CANCEL";
      case Wire.REJECT -> "REJECT";
      case Wire.PIECE -> "PIECE";
      default -> "message " + id;
    };
  }
}
