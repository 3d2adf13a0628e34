package dev.shoal.swarm;

import static dev.shoal.swarm.Fixtures.seed;
import static dev.shoal.swarm.Fixtures.trackerless;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Torrents;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fuzz targets for what a hostile peer controls. Without {@code JAZZER_FUZZ} each method replays
 * its seed corpus in src/test/resources/dev/shoal/swarm/WireFuzzTestInputs/&lt;method&gt;/ as
 * ordinary tests; with it, Jazzer fuzzes one method with coverage guidance (see README).
 *
 * <ul>
 *   <li>{@link #handshake} and {@link #messages}: the parsers themselves, in process (fast enough
 *       for real fuzzing). The only exception allowed out is {@link ProtocolException}; decoded
 *       fields are always in range; every decoded message consumes bytes (no hang); feeding the
 *       same bytes in small chunks gives exactly the same messages as feeding them at once.
 *   <li>{@link #arbitraryMessagesAfterHandshake}: the whole engine over a socket; whatever the
 *       bytes, it still answers the next peer's handshake.
 * </ul>
 */
class WireFuzzTest {
  /** Geometry for the in-process targets: 37 pieces of 2 blocks, the last one short (5000 B). */
  private static final int PIECES = 37;

  private static final int PIECE_LENGTH = 32 * 1024;
  private static final long TOTAL = 36L * PIECE_LENGTH + 5000;

  // ---------------------------------------------------------------- in process

  @FuzzTest
  void handshake(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    boolean prefixOk = true;
    for (int i = 0; i < Math.min(20, bytes.length); i++) {
      prefixOk &= bytes[i] == (i == 0 ? 19 : Wire.PROTOCOL[i - 1]);
    }
    try {
      WireDecoder.Handshake hs = WireDecoder.handshake(in);
      check(prefixOk, "accepted a wrong protocol string");
      if (hs == null) {
        check(bytes.length < Wire.HANDSHAKE_LEN && in.position() == 0, "null with enough bytes");
      } else {
        check(in.position() == Wire.HANDSHAKE_LEN, "consumed " + in.position());
        check(hs.infoHash().length == 20 && hs.peerId().length == 20, "bad field sizes");
        check(Arrays.equals(hs.infoHash(), Arrays.copyOfRange(bytes, 28, 48)), "info hash");
        check(hs.fast() == ((bytes[27] & 4) != 0), "fast bit");
        messages(Arrays.copyOfRange(bytes, Wire.HANDSHAKE_LEN, bytes.length));
      }
    } catch (ProtocolException e) {
      check(!prefixOk, "refused a good protocol string: " + e.getMessage());
      check(in.position() == 0, "consumed bytes of a refused handshake");
    }
  }

  @FuzzTest
  void messages(byte[] bytes) {
    List<String> whole = decodeAll(bytes, Math.max(1, bytes.length));
    List<String> chunked = decodeAll(bytes, 1 + bytes.length % 13);
    check(whole.equals(chunked), "framing depends on chunking:\n" + whole + "\n" + chunked);
  }

  /**
   * Decodes {@code bytes} as the engine does: appended {@code chunk} bytes at a time to a read
   * buffer, decoded as far as possible, compacted. Returns what came out, ending with the error or
   * the number of bytes left waiting.
   */
  private static List<String> decodeAll(byte[] bytes, int chunk) {
    WireDecoder d = new WireDecoder(PIECES, PIECE_LENGTH, TOTAL);
    ByteBuffer in = ByteBuffer.allocate(d.maxMessage + 4 + chunk);
    List<String> out = new ArrayList<>();
    int fed = 0;
    try {
      do {
        int n = Math.min(chunk, bytes.length - fed);
        in.put(bytes, fed, n);
        fed += n;
        in.flip();
        int before = in.position();
        while (d.next(in)) {
          int used = in.position() - before;
          check(used >= 4 && used <= d.maxMessage + 4, "consumed " + used);
          before = in.position();
          out.add(describe(d));
        }
        check(in.position() == before, "consumed bytes without a message");
        in.compact();
      } while (fed < bytes.length);
      out.add("waiting " + in.position());
    } catch (ProtocolException e) {
      out.add("refused (ban " + e.ban + "): " + e.getMessage());
    }
    return out;
  }

  /** Checks the decoder's promises and renders the message for the comparison. */
  private static String describe(WireDecoder d) {
    int id = d.id;
    check(id == WireDecoder.KEEP_ALIVE || (id >= 0 && id <= 255), "id " + id);
    switch (id) {
      case Wire.HAVE -> check(d.index >= 0 && d.index < PIECES, "HAVE " + d.index);
      case Wire.BITFIELD -> {
        check(d.payload.remaining() == (PIECES + 7) / 8, "bitfield size");
        check(d.bitfield().length() <= PIECES, "bitfield beyond the last piece");
      }
      case Wire.REQUEST, Wire.CANCEL, Wire.REJECT, Wire.PIECE -> {
        check(d.index >= 0 && d.index < PIECES, "index " + d.index);
        check(d.begin >= 0 && d.length > 0 && d.length <= Wire.BLOCK, "block " + d.length);
        check((long) d.begin + d.length <= d.pieceSize(d.index), "past the piece end");
        if (id == Wire.PIECE) {
          check(d.payload.remaining() == d.length, "PIECE data length");
        }
      }
      case Wire.EXTENDED -> {
        if (d.index == 0) {
          return "ext handshake " + WireDecoder.extHandshake(d.payload);
        }
      }
      default -> {}
    }
    byte[] body = new byte[d.payload.remaining()];
    d.payload.duplicate().get(body);
    return id + " " + d.index + "/" + d.begin + "/" + d.length + " " + Arrays.hashCode(body);
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }

  // ---------------------------------------------------------------- through a real engine

  private static Swarm seeder;
  private static byte[] infoHash;

  /** Each input comes from its own 127.x.y.z, so its bans do not add up to an address ban. */
  private static final AtomicInteger SOURCE = new AtomicInteger();

  private static synchronized int seederPort() throws Exception {
    if (seeder == null) {
      Path dir = Files.createTempDirectory("wirefuzz");
      Path data = GameBuilds.randomFile(dir, "f.bin", 1 << 20, 14);
      byte[] torrent = Torrents.of(data, 64 * 1024, null);
      infoHash = Metainfo.parse(torrent).infoHash();
      seeder = Swarm.start(Fixtures.loopback().build());
      seed(seeder, trackerless(torrent, data));
      Runtime.getRuntime().addShutdownHook(new Thread(seeder::close));
    }
    return seeder.listenPort();
  }

  @FuzzTest
  void arbitraryMessagesAfterHandshake(byte[] bytes) throws Exception {
    int port = seederPort();
    int n = SOURCE.incrementAndGet();
    try (Socket s = new Socket()) {
      String source = "127." + (1 + n / 62_500 % 250) + "." + (n / 250 % 250) + "." + (1 + n % 250);
      s.bind(new InetSocketAddress(source, 0));
      s.connect(new InetSocketAddress("127.0.0.1", port));
      s.getOutputStream().write(handshakeBytes());
      s.getOutputStream().write(bytes);
      s.getOutputStream().flush();
    } catch (IOException e) {
      // the engine may close on us mid-write: that is a fine answer to garbage
    }
    try (Socket probe = new Socket("127.0.0.1", port)) {
      probe.setSoTimeout(10_000);
      probe.getOutputStream().write(handshakeBytes());
      byte[] reply = new byte[68];
      new DataInputStream(probe.getInputStream()).readFully(reply);
      if (reply[0] != 19 || !Arrays.equals(Arrays.copyOfRange(reply, 28, 48), infoHash)) {
        throw new AssertionError("engine no longer answers handshakes");
      }
    }
  }

  private static byte[] handshakeBytes() {
    return RawPeer.handshakeBytes(
        infoHash, ("-FZ0000-" + System.nanoTime() + "000000000000").substring(0, 20));
  }
}
