package dev.shoal.swarm;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A scripted client speaking raw peer wire to an engine, from a chosen loopback source address
 * (Linux routes all of 127/8 to lo, so 127.0.0.x stands in for "another host"). Blocking I/O; the
 * test decides when to read.
 */
final class RawPeer implements AutoCloseable {
  final Socket socket;
  final DataInputStream in;
  final OutputStream out;

  RawPeer(String sourceAddress, int port) throws IOException {
    socket = new Socket();
    socket.bind(new InetSocketAddress(InetAddress.getByName(sourceAddress), 0));
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(10_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  static byte[] handshakeBytes(byte[] infoHash, String peerId) {
    byte[] id = peerId.getBytes(StandardCharsets.US_ASCII);
    if (id.length != 20) {
      throw new IllegalArgumentException("peer id must be 20 bytes: " + peerId);
    }
    byte[] hs = new byte[68];
    hs[0] = 19;
    System.arraycopy(Wire.PROTOCOL, 0, hs, 1, 19);
    hs[25] = 0x10; // extension protocol
    hs[27] = 0x04; // fast extension
    System.arraycopy(infoHash, 0, hs, 28, 20);
    System.arraycopy(id, 0, hs, 48, 20);
    return hs;
  }

  static byte[] request(int piece, int begin, int length) {
    return ByteBuffer.allocate(17)
        .putInt(13)
        .put((byte) Wire.REQUEST)
        .putInt(piece)
        .putInt(begin)
        .putInt(length)
        .array();
  }

  static byte[] simple(int id) {
    return new byte[] {0, 0, 0, 1, (byte) id};
  }

  void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Sends our handshake and reads the engine's; false if it hung up instead of answering. */
  boolean handshake(byte[] infoHash, String peerId) throws IOException {
    send(handshakeBytes(infoHash, peerId));
    byte[] reply = new byte[68];
    try {
      in.readFully(reply);
      return reply[0] == 19;
    } catch (IOException e) {
      return false; // EOF or reset before a full handshake
    }
  }

  /** Reads messages until one with {@code id} arrives; false on EOF first. */
  boolean awaitMessage(int id) throws IOException {
    try {
      while (true) {
        int len = in.readInt();
        if (len == 0) {
          continue;
        }
        int got = in.readUnsignedByte();
        in.skipNBytes(len - 1);
        if (got == id) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Drains everything the engine still sends until it closes the connection; true on EOF or reset,
   * false if the connection is still open after {@code timeoutMillis}.
   */
  boolean closedByEngineWithin(int timeoutMillis) throws IOException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    byte[] buf = new byte[64 * 1024];
    try {
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
          return false;
        }
        socket.setSoTimeout((int) left);
        if (in.read(buf) < 0) {
          return true; // PIECEs, REJECTs, HAVEs the engine queued were drained, then EOF
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
