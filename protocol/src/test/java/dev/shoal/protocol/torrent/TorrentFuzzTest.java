package dev.shoal.protocol.torrent;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Fuzz targets for the parsers that see hostile input. Without JAZZER_FUZZ they replay the seed
 * corpus under src/test/resources/dev/shoal/protocol/torrent/TorrentFuzzTestInputs/ as plain tests.
 */
class TorrentFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void bencodeDecode(byte[] data) {
    try {
      Object v = Bencode.decode(data);
      // Anything we accept is canonical, so re-encoding must give the same bytes.
      if (!Arrays.equals(Bencode.encode(v), data)) {
        throw new AssertionError("decode/encode not round-trip");
      }
    } catch (BencodeException expected) {
      // rejected cleanly
    }
  }

  @FuzzTest(maxDuration = "30s")
  void metainfoParse(byte[] data) {
    try {
      Metainfo m = Metainfo.parse(data);
      Metainfo again = Metainfo.parse(m.withAnnounce("http://t.example/x/announce"));
      if (!again.infoHashHex().equals(m.infoHashHex())) {
        throw new AssertionError("withAnnounce changed the info hash");
      }
    } catch (MetainfoException expected) {
      // rejected cleanly
    }
  }

  @FuzzTest(maxDuration = "30s")
  void announceRequestParse(byte[] data) {
    String query = new String(data, StandardCharsets.ISO_8859_1);
    try {
      AnnounceRequest r = AnnounceRequest.parse(query);
      AnnounceRequest again = AnnounceRequest.parse(r.toQueryString());
      if (!Arrays.equals(again.infoHash(), r.infoHash()) || again.port() != r.port()) {
        throw new AssertionError("query round-trip changed the request");
      }
    } catch (AnnounceException expected) {
      // rejected cleanly
    }
  }
}
