package dev.shoal.swarm;

import java.nio.charset.StandardCharsets;

/** Peer wire constants (BEP 3, BEP 6 fast extension, BEP 10 extension protocol). */
final class Wire {
  static final byte[] PROTOCOL = "BitTorrent protocol".getBytes(StandardCharsets.US_ASCII);
  static final int HANDSHAKE_LEN = 68;
  static final int BLOCK = 16 * 1024;

  static final int CHOKE = 0;
  static final int UNCHOKE = 1;
  static final int INTERESTED = 2;
  static final int NOT_INTERESTED = 3;
  static final int HAVE = 4;
  static final int BITFIELD = 5;
  static final int REQUEST = 6;
  static final int PIECE = 7;
  static final int CANCEL = 8;
  static final int PORT = 9;
  static final int SUGGEST = 13;
  static final int HAVE_ALL = 14;
  static final int HAVE_NONE = 15;
  static final int REJECT = 16;
  static final int ALLOWED_FAST = 17;
  static final int EXTENDED = 20;

  /** Largest non-bitfield message: a 16 KiB PIECE plus header, with margin for extensions. */
  static final int MAX_MESSAGE = BLOCK + 13 + 1024;

  private Wire() {}
}
