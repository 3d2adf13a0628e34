package dev.shoal.testkit.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.manifest.PackEntry;
import dev.shoal.protocol.torrent.AnnounceResponse;
import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.testkit.hostile.HostileProxy.Reply;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * TUF "malicious mirrors": the origin flips bytes in its range answers, or keeps corrupting one
 * piece; a peer claims every piece and sends garbage. Pieces are checked against the torrent's
 * SHA-1 and the signed manifest's SHA-256 before they count, so a corrupted piece is fetched again
 * and the install either completes with exactly the genuine files or, while the mirror keeps lying,
 * installs nothing (and can be cancelled cleanly).
 */
class MaliciousMirrorTest extends HostileTest {
  private PackEntry pack;

  MaliciousMirrorTest() {
    super(Start.V1_PUBLISHED);
  }

  @BeforeEach
  void severalPieces() {
    pack = v1.manifest().fullPack();
    assertThat(pack.pieceSha256()).as("a pack of several pieces").hasSizeGreaterThanOrEqualTo(3);
  }

  @Test
  void piecesWithFlippedBytesFromTheOriginAreRefusedAndFetchedAgain() throws Exception {
    List<String> flipped = new CopyOnWriteArrayList<>();
    List<String> ranges =
        world.proxy.tamperWithOriginRanges(
            2,
            (req, genuine) -> {
              flipped.add(req.header("Range"));
              return genuine.withBody(flip(genuine.body()));
            });

    JsonNode s = world.install("game", "stable", dir);

    assertThat(flipped).isNotEmpty();
    HostileWorld.assertFetchedAgain(flipped, ranges);
    world.assertInstalled(dir, s, v1);
  }

  @Test
  void anOriginThatKeepsCorruptingAPieceGetsNothingInstalled() throws Exception {
    String lastPiece = "bytes=" + (long) (pack.pieceSha256().size() - 1) * pack.pieceLength() + "-";
    AtomicInteger corrupted = new AtomicInteger();
    world.proxy.on(
        HostileProxy.ORIGIN,
        (req, up) -> {
          Reply genuine = up.forward(req);
          String range = req.header("Range");
          if (genuine.status() == 206 && range != null && range.startsWith(lastPiece)) {
            corrupted.incrementAndGet();
            return genuine.withBody(flip(genuine.body()));
          }
          return genuine;
        });

    String id = world.startInstall("game", "stable", dir);
    Awaitility.await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> corrupted.get() >= 2);
    JsonNode during = world.status(id);
    assertThat(during.get("state").asString()).as(during.toString()).isEqualTo("DOWNLOADING");
    assertThat(during.get("bytesDone").asLong()).isLessThan(pack.totalSize());
    HostileWorld.assertNothingInstalled(dir);

    world.agent.post("/v1/installs/" + id + "/cancel", null).assertSuccess();
    JsonNode cancelled = world.agent.awaitInstall(id, HostileWorld.TIMEOUT);
    assertThat(cancelled.get("state").asString()).as(cancelled.toString()).isEqualTo("CANCELLED");
    HostileWorld.assertNothingInstalled(dir);
    Path partial = world.agent.dataDir().resolve("cache").resolve(pack.infoHash() + ".pack");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !partial.toFile().exists());

    world.proxy.clearRules(); // the control: an honest origin completes the same install
    world.installGenuine("game", "stable", dir, v1.files());
  }

  @Test
  void aPeerSendingGarbageNeverGetsItsBytesInstalled() throws Exception {
    try (HostilePeer peer = new HostilePeer(pack.pieceSha256().size())) {
      announceThroughTheProxy(peer, true);
      world.agent.grantConsent("download");

      JsonNode s = world.install("game", "stable", dir);

      assertThat(peer.garbageSent.get()).as("the lying peer was asked for blocks").isPositive();
      assertThat(peer.droppedByAgent.get()).as("the agent dropped the lying peer").isPositive();
      assertThat(peer.connections.get()).as("and never came back to it").isEqualTo(1);
      world.assertInstalled(dir, s, v1);
    }
  }

  /**
   * Fails today: once the lying peer is banned, the pieces it had partly filled stay claimed (the
   * engine gives the origin only unclaimed pieces and releases only untouched ones), so with no
   * other peer the download stalls for good. Enable once the swarm engine frees a banned peer's
   * pieces.
   */
  @Test
  void aLyingPeerAloneDoesNotStallTheInstallTheOriginCompletesIt() throws Exception {
    try (HostilePeer peer = new HostilePeer(pack.pieceSha256().size())) {
      announceThroughTheProxy(peer, false); // only the lying peer
      world.agent.grantConsent("download");

      JsonNode s = world.install("game", "stable", dir);

      assertThat(peer.garbageSent.get()).as("the lying peer was asked for blocks").isPositive();
      assertThat(s.get("bytesFromOrigin").asLong()).isGreaterThanOrEqualTo(pack.totalSize());
      world.assertInstalled(dir, s, v1);
    }
  }

  /**
   * The announce URL is outside the torrent's info dictionary, so a man in the middle can point it
   * at itself without changing the info hash. Its tracker lists only the lying peer until the agent
   * has dropped it; after that (when {@code genuinePeers}) also the peers the real tracker gives
   * (the control plane's seeder), so the garbage is surely tried before honest data arrives.
   */
  private void announceThroughTheProxy(HostilePeer peer, boolean genuinePeers) {
    world.proxy.on(
        HostileProxy.TORRENT,
        (req, up) -> {
          Reply genuine = up.forward(req);
          URI announce = URI.create(Metainfo.parse(genuine.body()).announce());
          String viaProxy = world.proxy.url() + announce.getRawPath();
          return genuine.withBody(Metainfo.parse(genuine.body()).withAnnounce(viaProxy));
        });
    world.proxy.on(
        r -> r.rawPath().endsWith("/announce"),
        (req, up) -> {
          List<InetSocketAddress> peers = new ArrayList<>();
          peers.add(peer.address());
          if (genuinePeers && peer.droppedByAgent.get() > 0) {
            AnnounceResponse real = AnnounceResponse.decode(up.forward(req).body());
            assertThat(real.failureReason()).isNull();
            peers.addAll(real.peers());
          }
          return Reply.of(200, "text/plain", new AnnounceResponse(60, 30, peers, null).encode());
        });
  }

  /** The same bytes with one byte in the middle inverted. */
  private static byte[] flip(byte[] body) {
    byte[] bad = body.clone();
    bad[bad.length / 2] ^= (byte) 0xff;
    return bad;
  }
}
