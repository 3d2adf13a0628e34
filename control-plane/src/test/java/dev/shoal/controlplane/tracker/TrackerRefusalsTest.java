package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.support.ApiTest;
import dev.shoal.protocol.torrent.AnnounceResponse;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Response;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Hostile and unauthorised announces get a bencoded failure reason with HTTP 200. */
class TrackerRefusalsTest extends ApiTest {

  private static final String BINARY_HASH =
      "info_hash=%FF%FE%00%01%80%81%82%83%84%85%86%87%88%89%8A%8B%8C%8D%8E%8F";
  private static final String PEER = "&peer_id=-SH0100-abcdefghijkl&port=6881";

  @Test
  void unknownPasskeyIsRefused() throws Exception {
    Response response =
        http()
            .get(
                "/"
                    + "ab".repeat(20)
                    + "/announce?"
                    + BINARY_HASH
                    + PEER
                    + "&left=1&uploaded=0&downloaded=0",
                ApiClient.Credentials.NONE);
    assertThat(response.status()).isEqualTo(200);
    assertThat(
            AnnounceResponse.decode(response.body().getBytes(StandardCharsets.ISO_8859_1))
                .failureReason())
        .isEqualTo("unknown or revoked passkey");
  }

  @Test
  void malformedAnnounceIsRefused() throws Exception {
    Response response =
        http()
            .get(
                "/announce?passkey=x&info_hash=short&peer_id=x&port=99999",
                ApiClient.Credentials.NONE);
    assertThat(response.status()).isEqualTo(200);
    assertThat(
            AnnounceResponse.decode(response.body().getBytes(StandardCharsets.ISO_8859_1))
                .failureReason())
        .startsWith("bad announce");
  }
}
