package dev.shoal.swarm;

import dev.shoal.protocol.torrent.Metainfo;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/** Test data: random payload files and private torrents for them (swarm-cli's tests use it too). */
public final class Fixtures {
  static final String PYTHON = "/usr/bin/python3";

  private Fixtures() {}

  public static Path randomFile(Path dir, String name, long size, long seed) throws IOException {
    Path f = dir.resolve(name);
    Random r = new Random(seed);
    byte[] buf = new byte[1 << 20];
    try (var out = Files.newOutputStream(f)) {
      for (long done = 0; done < size; done += buf.length) {
        r.nextBytes(buf);
        out.write(buf, 0, (int) Math.min(buf.length, size - done));
      }
    }
    return f;
  }

  public static byte[] torrentFor(Path file, int pieceLength, String announce) throws Exception {
    long len = Files.size(file);
    int count = (int) ((len + pieceLength - 1) / pieceLength);
    byte[] pieces = new byte[count * 20];
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[pieceLength];
      for (int i = 0; i < count; i++) {
        int n = in.readNBytes(buf, 0, pieceLength);
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(buf, 0, n);
        System.arraycopy(sha1.digest(), 0, pieces, i * 20, 20);
      }
    }
    return Metainfo.createPrivate(
        announce, file.getFileName().toString(), len, pieceLength, pieces);
  }

  public static String sha256(Path file) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static InetSocketAddress local(int port) {
    return new InetSocketAddress("127.0.0.1", port);
  }

  /** An engine on 127.0.0.1 with the default settings, to adjust and build. */
  public static SwarmConfig.Builder loopback() {
    return SwarmConfig.builder().bindAddress("127.0.0.1");
  }
}
