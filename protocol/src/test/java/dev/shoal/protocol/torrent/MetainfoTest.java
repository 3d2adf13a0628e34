package dev.shoal.protocol.torrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetainfoTest {
  static final String PYTHON = "/usr/bin/python3";

  static byte[] piecesOf(byte[] data, int pieceLength) throws Exception {
    int count = (data.length + pieceLength - 1) / pieceLength;
    byte[] out = new byte[count * 20];
    for (int i = 0; i < count; i++) {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      sha1.update(data, i * pieceLength, Math.min(pieceLength, data.length - i * pieceLength));
      System.arraycopy(sha1.digest(), 0, out, i * 20, 20);
    }
    return out;
  }

  @Test
  void createParseRoundTrip() throws Exception {
    byte[] data = new byte[100_000];
    new Random(1).nextBytes(data);
    byte[] t =
        Metainfo.createPrivate(
            "http://t/p/announce", "f.bin", data.length, 32768, piecesOf(data, 32768));
    Metainfo m = Metainfo.parse(t);
    assertThat(m.isPrivate()).isTrue();
    assertThat(m.pieceCount()).isEqualTo(4);
    assertThat(m.pieceSize(3)).isEqualTo(100_000 - 3 * 32768);
    assertThat(m.name()).isEqualTo("f.bin");
    assertThat(m.announce()).isEqualTo("http://t/p/announce");
    Metainfo other = Metainfo.parse(m.withAnnounce("http://t/other/announce"));
    assertThat(other.announce()).isEqualTo("http://t/other/announce");
    assertThat(other.infoHashHex()).isEqualTo(m.infoHashHex());
    assertThat(m.infoHashHex()).hasSize(40);
  }

  @Test
  void rejectsMultiFileAndBadPieces() {
    String multi = "d4:infod5:filesle4:name1:x12:piece lengthi16384e6:pieces0:ee";
    assertThatThrownBy(() -> Metainfo.parse(multi.getBytes(StandardCharsets.ISO_8859_1)))
        .isInstanceOf(MetainfoException.class)
        .hasMessageContaining("multi-file");
    String badPieces = "d4:infod6:lengthi5e4:name1:x12:piece lengthi16384e6:pieces3:abcee";
    assertThatThrownBy(() -> Metainfo.parse(badPieces.getBytes(StandardCharsets.ISO_8859_1)))
        .isInstanceOf(MetainfoException.class)
        .hasMessageContaining("SHA-1");
    String traversal = "d4:infod6:lengthi5e4:name2:..12:piece lengthi16384e6:pieces0:ee";
    assertThatThrownBy(() -> Metainfo.parse(traversal.getBytes(StandardCharsets.ISO_8859_1)))
        .isInstanceOf(MetainfoException.class)
        .hasMessageContaining("name");
  }

  @Test
  void libtorrentAcceptsOurTorrentWithSameInfoHash(@TempDir Path dir) throws Exception {
    byte[] data = new byte[300_000];
    new Random(2).nextBytes(data);
    byte[] t =
        Metainfo.createPrivate(
            "http://127.0.0.1:1/announce?passkey=abc",
            "p.bin",
            data.length,
            65536,
            piecesOf(data, 65536));
    Path file = dir.resolve("p.torrent");
    Files.write(file, t);
    String script =
        "import libtorrent as lt,sys\n"
            + "ti=lt.torrent_info(sys.argv[1])\n"
            + "print(str(ti.info_hashes().v1), ti.priv(), ti.num_pieces(), ti.total_size())\n";
    Process p = new ProcessBuilder(PYTHON, "-c", script, file.toString()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(err).isZero();
    Metainfo m = Metainfo.parse(t);
    assertThat(out).isEqualTo(m.infoHashHex() + " True 5 300000");
  }
}
