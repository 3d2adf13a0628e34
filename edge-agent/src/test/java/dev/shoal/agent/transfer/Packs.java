package dev.shoal.agent.transfer;

import dev.shoal.agent.RunningAgent;
import dev.shoal.protocol.torrent.Metainfo;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import tools.jackson.databind.JsonNode;

/** Test data (random packs and their torrents) and consent helpers going through the local API. */
final class Packs {
  static final int PIECE = 256 * 1024;

  private Packs() {}

  static Path randomFile(Path dir, String name, long size, long seed) throws IOException {
    Files.createDirectories(dir);
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

  static byte[] torrentFor(Path file) throws Exception {
    long len = Files.size(file);
    int count = (int) ((len + PIECE - 1) / PIECE);
    byte[] pieces = new byte[count * 20];
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[PIECE];
      for (int i = 0; i < count; i++) {
        int n = in.readNBytes(buf, 0, PIECE);
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(buf, 0, n);
        System.arraycopy(sha1.digest(), 0, pieces, i * 20, 20);
      }
    }
    return Metainfo.createPrivate(null, file.getFileName().toString(), len, PIECE, pieces);
  }

  /** The manifest's per-piece SHA-256 hashes. */
  static List<byte[]> pieceSha256(Path file) throws Exception {
    List<byte[]> out = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[PIECE];
      int n;
      while ((n = in.readNBytes(buf, 0, PIECE)) > 0) {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(buf, 0, n);
        out.add(md.digest());
      }
    }
    return out;
  }

  static String sha256(Path file) throws Exception {
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

  /** Grants a scope the way a launcher does: fetch the text rendered now, quote its hash. */
  static void grant(RunningAgent a, String scope) throws Exception {
    String cli = scope.equals("UPLOAD_TO_PEERS") ? "upload" : "download";
    JsonNode texts = RunningAgent.json(a.get("/v1/consent/texts?scope=" + cli + "&locale=en"));
    String sha = texts.get(0).path("sha256").asString();
    HttpResponse<String> r =
        a.sendJson(
            "POST",
            "/v1/consent",
            "{\"scope\":\""
                + scope
                + "\",\"decision\":\"GRANTED\",\"textSha256\":\""
                + sha
                + "\",\"askedWhere\":\"LAUNCHER\"}");
    if (r.statusCode() != 200) {
      throw new AssertionError("grant failed: " + r.statusCode() + " " + r.body());
    }
  }

  static void withdraw(RunningAgent a, String scope) throws Exception {
    HttpResponse<String> r =
        a.sendJson(
            "POST",
            "/v1/consent",
            "{\"scope\":\"" + scope + "\",\"decision\":\"WITHDRAWN\",\"askedWhere\":\"SETTINGS\"}");
    if (r.statusCode() != 200) {
      throw new AssertionError("withdraw failed: " + r.statusCode() + " " + r.body());
    }
  }
}
