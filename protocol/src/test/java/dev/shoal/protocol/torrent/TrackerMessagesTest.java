package dev.shoal.protocol.torrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrackerMessagesTest {
  private static byte[] bytes20(int start) {
    byte[] b = new byte[20];
    for (int i = 0; i < 20; i++) {
      b[i] = (byte) (start + i * 13);
    }
    return b;
  }

  @Test
  void announceRequestRoundTripsBinaryFields() throws Exception {
    AnnounceRequest r =
        new AnnounceRequest(
            bytes20(250), bytes20(7), 6881, 10, 20, 30, AnnounceRequest.Event.STARTED, 50, true);
    String q = r.toQueryString();
    assertThat(q).contains("event=started").contains("compact=1").doesNotContain(" ");
    AnnounceRequest back = AnnounceRequest.parse("passkey=abc&" + q);
    assertThat(back.infoHash()).isEqualTo(r.infoHash());
    assertThat(back.peerId()).isEqualTo(r.peerId());
    assertThat(back.left()).isEqualTo(30);
    assertThat(back.event()).isEqualTo(AnnounceRequest.Event.STARTED);
    assertThat(r.toUrl("http://h/announce?passkey=k")).startsWith("http://h/announce?passkey=k&");
  }

  @Test
  void announceRequestRejectsHostileQueries() {
    String ok = "info_hash=" + "%41".repeat(20) + "&peer_id=" + "B".repeat(20);
    assertThatThrownBy(
            () -> AnnounceRequest.parse(ok + "&port=70000&uploaded=0&downloaded=0&left=0"))
        .hasMessageContaining("port out of range");
    assertThatThrownBy(() -> AnnounceRequest.parse("info_hash=%4&peer_id=x"))
        .isInstanceOf(AnnounceException.class);
    assertThatThrownBy(() -> AnnounceRequest.parse(ok + "&port=1&port=2"))
        .hasMessageContaining("repeated");
    assertThatThrownBy(() -> AnnounceRequest.parse("x".repeat(5000)))
        .hasMessageContaining("longer than");
    assertThatThrownBy(() -> AnnounceRequest.parse(ok + "&port=1&uploaded=-1&downloaded=0&left=0"))
        .hasMessageContaining("bad number");
  }

  @Test
  void responseRoundTripWithCompactPeers() throws Exception {
    List<InetSocketAddress> peers =
        List.of(new InetSocketAddress("127.0.0.1", 6881), new InetSocketAddress("::1", 7000));
    AnnounceResponse r = new AnnounceResponse(1800, 60, peers, null);
    AnnounceResponse back = AnnounceResponse.decode(r.encode());
    assertThat(back.interval()).isEqualTo(1800);
    assertThat(back.minInterval()).isEqualTo(60);
    assertThat(back.peers()).containsExactlyElementsOf(peers);
    assertThat(CompactPeers.encode(peers)).hasSize(6);
    assertThat(AnnounceResponse.decode(AnnounceResponse.failure("nope").encode()).failureReason())
        .isEqualTo("nope");
    assertThatThrownBy(() -> CompactPeers.decode(new byte[7]))
        .isInstanceOf(AnnounceException.class);
  }
}
