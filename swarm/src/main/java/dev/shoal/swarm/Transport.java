package dev.shoal.swarm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The byte stream under a {@link Peer}: a TCP socket or a uTP connection. Everything above it
 * (handshake, wire messages, caps, bans, consent) is the same for both.
 */
abstract sealed class Transport permits Transport.Tcp, UtpConnection {

  /** Reads what has arrived into {@code dst}; -1 at the end of the stream. Never blocks. */
  abstract int read(ByteBuffer dst) throws IOException;

  /** Takes what fits of {@code src} without blocking; returns how many bytes it took. */
  abstract int write(ByteBuffer src) throws IOException;

  /** Ends the connection (uTP: a FIN); never throws. */
  abstract void close();

  /** A TCP connection: the kernel does the rest. */
  static final class Tcp extends Transport {
    final SocketChannel channel;

    Tcp(SocketChannel channel) {
      this.channel = channel;
    }

    @Override
    int read(ByteBuffer dst) throws IOException {
      return channel.read(dst);
    }

    @Override
    int write(ByteBuffer src) throws IOException {
      return channel.write(src);
    }

    @Override
    void close() {
      try {
        channel.close();
      } catch (IOException e) {
        // closing: nothing left to tell
      }
    }

    @Override
    public String toString() {
      return "tcp";
    }
  }
}
