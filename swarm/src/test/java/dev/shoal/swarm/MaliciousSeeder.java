package dev.shoal.swarm;

import dev.shoal.testsupport.LoopbackServer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hand-written hostile peer speaking raw peer wire: the standard handshake (with the fast
 * extension bit), then it claims to have every piece, unchokes, and misbehaves on every REQUEST as
 * its {@link Mode} says. Plain blocking sockets, one thread per connection (it is test code).
 */
final class MaliciousSeeder implements AutoCloseable {

  /** What the liar does. */
  enum Mode {
    /** Full bitfield, answers each request with random bytes of the right length. */
    GARBAGE,
    /** Full bitfield, swallows requests: holds them forever and sends nothing. */
    STALL,
    /** Full bitfield, answers each request with a REJECT while keeping us unchoked. */
    REJECT,
    /** Empty bitfield, then a HAVE for every piece; then rejects every request. */
    HAVE_THEN_REJECT,
    /** Answers a request with a PIECE carrying fewer bytes than were asked for. */
    SHORT_PIECE,
    /** Answers a request with a PIECE carrying 1000 bytes more than were asked for. */
    LONG_PIECE,
    /** Answers the first request with a 0x7fffffff length prefix, then nothing. */
    HUGE_PREFIX
  }

  private final LoopbackServer server;
  final AtomicInteger requestsSeen = new AtomicInteger();
  final AtomicInteger blocksSent = new AtomicInteger();
  final AtomicInteger closedByRemote = new AtomicInteger();
  private final byte[] infoHash;
  private final int pieceCount;
  private final Mode mode;

  MaliciousSeeder(byte[] infoHash, int pieceCount) throws IOException {
    this(infoHash, pieceCount, Mode.GARBAGE, "127.0.0.1");
  }

  /** With {@code stall}, requests are swallowed: it holds them forever and sends nothing. */
  MaliciousSeeder(byte[] infoHash, int pieceCount, boolean stall) throws IOException {
    this(infoHash, pieceCount, stall ? Mode.STALL : Mode.GARBAGE, "127.0.0.1");
  }

  /** Listens on a free port of {@code bindAddress} (any 127.x.y.z works on Linux loopback). */
  MaliciousSeeder(byte[] infoHash, int pieceCount, Mode mode, String bindAddress)
      throws IOException {
    this.mode = mode;
    this.infoHash = infoHash;
    this.pieceCount = pieceCount;
    this.server = new LoopbackServer(bindAddress, this::serve);
  }

  int port() {
    return server.port();
  }

  InetSocketAddress address() {
    return server.address();
  }

  /** Connections accepted so far. */
  int accepted() {
    return server.accepted();
  }

  private void serve(Socket s) {
    Random random = new Random();
    try (s) {
      DataInputStream in = new DataInputStream(s.getInputStream());
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      in.readFully(new byte[68]);
      out.write(19);
      out.write(Wire.PROTOCOL);
      out.write(new byte[] {0, 0, 0, 0, 0, 0, 0, 0x04}); // fast extension: REJECT is legal
      out.write(infoHash);
      out.write("-EV0001-".getBytes());
      out.write(new byte[12]);
      byte[] bits = new byte[(pieceCount + 7) / 8];
      if (mode != Mode.HAVE_THEN_REJECT) {
        for (int i = 0; i < pieceCount; i++) {
          bits[i >> 3] |= (byte) (0x80 >>> (i & 7));
        }
      }
      out.writeInt(1 + bits.length);
      out.write(Wire.BITFIELD);
      out.write(bits);
      if (mode == Mode.HAVE_THEN_REJECT) {
        for (int i = 0; i < pieceCount; i++) {
          out.writeInt(5);
          out.write(Wire.HAVE);
          out.writeInt(i);
        }
      }
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
        if (msg != Wire.REQUEST) {
          continue;
        }
        requestsSeen.incrementAndGet();
        ByteBuffer b = ByteBuffer.wrap(body);
        int piece = b.getInt();
        int begin = b.getInt();
        int length = b.getInt();
        switch (mode) {
          case STALL -> {}
          case REJECT, HAVE_THEN_REJECT -> {
            out.writeInt(13);
            out.write(Wire.REJECT);
            out.writeInt(piece);
            out.writeInt(begin);
            out.writeInt(length);
          }
          case HUGE_PREFIX -> out.writeInt(0x7fffffff);
          default -> {
            int n =
                switch (mode) {
                  case SHORT_PIECE -> Math.max(1, length - 1000);
                  case LONG_PIECE -> length + 1000;
                  default -> length;
                };
            byte[] junk = new byte[n];
            random.nextBytes(junk);
            out.writeInt(9 + n);
            out.write(Wire.PIECE);
            out.writeInt(piece);
            out.writeInt(begin);
            out.write(junk);
            blocksSent.incrementAndGet();
          }
        }
        out.flush();
      }
    } catch (IOException e) {
      closedByRemote.incrementAndGet();
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
