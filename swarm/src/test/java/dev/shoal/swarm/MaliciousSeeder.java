package dev.shoal.swarm;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hand-written hostile peer: claims to have every piece, unchokes, and answers every request with
 * random bytes. Plain blocking sockets, one thread per connection (it is test code).
 */
final class MaliciousSeeder implements AutoCloseable {
  final ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
  final AtomicInteger accepted = new AtomicInteger();
  final AtomicInteger blocksSent = new AtomicInteger();
  final AtomicInteger closedByRemote = new AtomicInteger();
  private final byte[] infoHash;
  private final int pieceCount;

  private final boolean stall;

  MaliciousSeeder(byte[] infoHash, int pieceCount) throws IOException {
    this(infoHash, pieceCount, false);
  }

  /** With {@code stall}, requests are swallowed: it holds them forever and sends nothing. */
  MaliciousSeeder(byte[] infoHash, int pieceCount, boolean stall) throws IOException {
    this.stall = stall;
    this.infoHash = infoHash;
    this.pieceCount = pieceCount;
    Thread t = new Thread(this::acceptLoop, "malicious-seeder");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        accepted.incrementAndGet();
        Thread t = new Thread(() -> serve(s));
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    Random random = new Random();
    try (s) {
      DataInputStream in = new DataInputStream(s.getInputStream());
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      in.readFully(new byte[68]);
      out.write(19);
      out.write(Wire.PROTOCOL);
      out.write(new byte[8]);
      out.write(infoHash);
      byte[] id = "-EV0001-".getBytes();
      out.write(id);
      out.write(new byte[12]);
      byte[] bits = new byte[(pieceCount + 7) / 8];
      for (int i = 0; i < pieceCount; i++) {
        bits[i >> 3] |= (byte) (0x80 >>> (i & 7));
      }
      out.writeInt(1 + bits.length);
      out.write(Wire.BITFIELD);
      out.write(bits);
      out.writeInt(1);
      out.write(Wire.UNCHOKE);
      out.flush();
      while (true) {
        int len = in.readInt();
        if (len == 0) {
          continue;
        }
        int msg = in.readUnsignedByte();
        byte[] body = new byte[len - 1];
        in.readFully(body);
        if (msg == Wire.REQUEST && !stall) {
          var b = java.nio.ByteBuffer.wrap(body);
          int piece = b.getInt();
          int begin = b.getInt();
          int length = b.getInt();
          byte[] junk = new byte[length];
          random.nextBytes(junk);
          out.writeInt(9 + length);
          out.write(Wire.PIECE);
          out.writeInt(piece);
          out.writeInt(begin);
          out.write(junk);
          out.flush();
          blocksSent.incrementAndGet();
        }
      }
    } catch (IOException e) {
      closedByRemote.incrementAndGet();
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
