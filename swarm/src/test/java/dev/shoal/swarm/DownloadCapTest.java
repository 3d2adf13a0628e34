package dev.shoal.swarm;

import static dev.shoal.swarm.Fixtures.trackerless;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Loopback;
import dev.shoal.testsupport.Torrents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A download cap slows our downloads only: control messages and our uploads pass at once. */
class DownloadCapTest {
  private static final int PIECE = 16 * 1024;
  private static final int PIECES = 64;
  private static final int MISSING = 40;
  @TempDir Path dir;

  /**
   * We download at a 32 KB/s cap from a libtorrent peer that has every piece but one. A second
   * libtorrent peer has only that piece and brings it. Our HAVE makes the first peer interested;
   * its INTERESTED comes in behind the blocks it is sending us, and must get our UNCHOKE within a
   * second all the same: the peer then fetches the piece and is done.
   */
  @Test
  void interestedGetsUnchokedWithinASecondWhileOurDownloadIsCapped() throws Exception {
    Path full = Files.createDirectories(dir.resolve("full"));
    Path data = GameBuilds.randomFile(full, "payload.bin", (long) PIECE * PIECES, 23);
    byte[] torrent = Torrents.of(data, PIECE, null);
    Path torrentFile = Files.write(dir.resolve("t.torrent"), torrent);
    Path allButOne = copyWith(data, "all-but-one", false);
    Path onlyThatOne = copyWith(data, "only-that-one", true);
    AtomicLong weHaveIt = new AtomicLong();
    SwarmConfig capped = Fixtures.loopback().globalDownCap(32 * 1024).build();
    try (ExternalPeer uploader = ExternalPeer.libtorrent("download", torrentFile, allButOne);
        Swarm us = Swarm.start(capped)) {
      int port = Integer.parseInt(uploader.await("PORT", Duration.ofSeconds(30)).split(" ")[1]);
      TorrentHandle h =
          us.add(
              trackerless(torrent, dir.resolve("us/payload.bin"))
                  .peers(List.of(Loopback.address(port)))
                  .onPieceVerified(
                      i -> {
                        if (i == MISSING) {
                          weHaveIt.set(System.currentTimeMillis());
                        }
                      })
                  .build());
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> h.progress().bytesDone() >= 2 * PIECE);
      try (ExternalPeer bringer =
          ExternalPeer.libtorrent(
              "download", torrentFile, onlyThatOne, "--peer", "127.0.0.1:" + us.listenPort())) {
        String done = uploader.await("DONE", Duration.ofSeconds(30));
        long doneAt = Long.parseLong(done.split(" ")[3]);
        // HAVE, INTERESTED, UNCHOKE, REQUEST, PIECE: within 1 s, with a margin for a busy machine.
        assertThat(doneAt - weHaveIt.get()).as(bringer.log.toString()).isLessThan(1_500);
      }
    }
  }

  /**
   * A copy of {@code data} in its own directory with piece {@link #MISSING} only, or all but it.
   */
  private Path copyWith(Path data, String name, boolean onlyMissing) throws Exception {
    Path d = Files.createDirectories(dir.resolve(name));
    byte[] bytes = Files.readAllBytes(data);
    byte[] out = onlyMissing ? new byte[bytes.length] : bytes.clone();
    int from = MISSING * PIECE;
    System.arraycopy(
        onlyMissing ? bytes : new byte[PIECE], onlyMissing ? from : 0, out, from, PIECE);
    Files.write(d.resolve(data.getFileName()), out);
    return d;
  }
}
