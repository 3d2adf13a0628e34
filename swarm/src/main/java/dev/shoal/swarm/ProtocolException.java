package dev.shoal.swarm;

import java.io.IOException;

/**
 * A peer broke the wire protocol. The engine closes that one connection; with {@link #ban} it also
 * bans the peer, for offences that cost us resources or prove hostility (oversized messages,
 * out-of-range requests or data), as opposed to merely malformed bytes.
 */
final class ProtocolException extends IOException {
  private static final long serialVersionUID = 1L;

  final boolean ban;

  ProtocolException(String message, boolean ban) {
    super(message);
    this.ban = ban;
  }
}
