package dev.shoal.testkit.hostile;

import dev.shoal.testsupport.LoopbackServer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A BitTorrent peer that lies: it speaks the plain peer wire protocol (BEP 3) correctly, claims to
 * have every piece, unchokes at once, and answers every block request with random bytes of exactly
 * the requested length. Only the piece hashes can tell.
 */
final class HostilePeer implements AutoCloseable {
  private static final byte[] PROTOCOL = "BitTorrent protocol".getBytes(StandardCharsets.US_ASCII);

  private final LoopbackServer server;
  private final int pieceCount;
  private final SecureRandom random = new SecureRandom();
  final AtomicInteger connections = new AtomicInteger();
  final AtomicInteger requests = new AtomicInteger();
  final AtomicLong garbageSent = new AtomicLong();
  final AtomicInteger droppedByAgent = new AtomicInteger();

  HostilePeer(int pieceCount) throws IOException {
    this.pieceCount = pieceCount;
    this.server = new LoopbackServer(this::serve);
  }

  InetSocketAddress address() {
    return server.address();
  }

  private void serve(Socket socket) {
    connections.incrementAndGet();
    try (socket) {
      socket.setSoTimeout(30_000);
      DataInputStream in = new DataInputStream(socket.getInputStream());
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      byte[] handshake = new byte[68];
      in.readFully(handshake);
      if (handshake[0] != 19 || !Arrays.equals(Arrays.copyOfRange(handshake, 1, 20), PROTOCOL)) {
        return;
      }
      byte[] infoHash = Arrays.copyOfRange(handshake, 28, 48);
      byte[] peerId = new byte[20];
      random.nextBytes(peerId);
      System.arraycopy("-HX0001-".getBytes(StandardCharsets.US_ASCII), 0, peerId, 0, 8);
      out.write(19);
      out.write(PROTOCOL);
      out.write(new byte[8]); // no extensions
      out.write(infoHash);
      out.write(peerId);
      byte[] bitfield = new byte[(pieceCount + 7) / 8];
      for (int i = 0; i < pieceCount; i++) {
        bitfield[i / 8] |= (byte) (0x80 >>> (i % 8));
      }
      out.writeInt(1 + bitfield.length);
      out.write(5); // bitfield: "I have everything"
      out.write(bitfield);
      out.writeInt(1);
      out.write(1); // unchoke
      out.flush();
      while (true) {
        int length = in.readInt();
        if (length == 0) {
          continue; // keep-alive
        }
        if (length < 0 || length > (1 << 20)) {
          return;
        }
        byte[] message = new byte[length];
        in.readFully(message);
        if (message[0] == 6 && length == 13) { // request: index, begin, length
          requests.incrementAndGet();
          int index = readInt(message, 1);
          int begin = readInt(message, 5);
          int size = readInt(message, 9);
          if (size <= 0 || size > (1 << 17)) {
            return;
          }
          byte[] garbage = new byte[size];
          random.nextBytes(garbage);
          out.writeInt(9 + size);
          out.write(7); // piece
          out.writeInt(index);
          out.writeInt(begin);
          out.write(garbage);
          out.flush();
          garbageSent.addAndGet(size);
        }
      }
    } catch (IOException e) {
      droppedByAgent.incrementAndGet(); // the agent hung up on us, as it should
    }
  }

  private static int readInt(byte[] b, int at) {
    return ((b[at] & 0xff) << 24)
        | ((b[at + 1] & 0xff) << 16)
        | ((b[at + 2] & 0xff) << 8)
        | (b[at + 3] & 0xff);
  }

  @Override
  public void close() {
    server.close();
  }
}
