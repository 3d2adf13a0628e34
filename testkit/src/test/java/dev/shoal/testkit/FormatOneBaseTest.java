package dev.shoal.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.keys.ContentKeys;
import dev.shoal.controlplane.keys.SigningKeys;
import dev.shoal.controlplane.organisation.Organisations;
import dev.shoal.controlplane.release.ManifestSigner;
import dev.shoal.controlplane.release.Releases;
import dev.shoal.protocol.Hex;
import dev.shoal.protocol.crypto.ChunkCipher;
import dev.shoal.protocol.manifest.ChunkEntry;
import dev.shoal.protocol.manifest.FileEntry;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.ManifestConsistency;
import dev.shoal.protocol.manifest.PackEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.pack.PackLayout;
import dev.shoal.protocol.pack.PackWriter;
import dev.shoal.protocol.pack.PieceHashes;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Publisher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * protocol/README.md's rule for releases published before format 2: they stay delta bases without
 * re-deriving their chunks. A release is published as format 1 made it (format 1's chunker, a
 * format 1 manifest), a real agent installs it, then the control plane publishes a format 2 release
 * and the agent updates to it byte for byte, fetching the delta pack from the format 1 release:
 * patches against the old chunks, about the bytes changed plus a few dozen bytes per unchanged
 * chunk, not the build.
 */
class FormatOneBaseTest {
  @RegisterExtension static final ControlPlaneFixture controlPlane = new ControlPlaneFixture();

  private static final Duration TIMEOUT = Duration.ofMinutes(2);
  private static final int KIB = 1024;

  @TempDir Path temp;

  @Test
  void aDeviceOnAFormat1ReleaseUpdatesToFormat2ThroughPatches() throws Exception {
    Publisher publisher = controlPlane.newPublisher("format1").product("game", "live");
    Map<String, byte[]> v1 = new TreeMap<>();
    v1.put("data/a.pak", GameBuilds.bytes(11, 6 << 20));
    v1.put("data/b.pak", GameBuilds.bytes(12, 5 << 20));
    v1.put("bin/game.bin", GameBuilds.bytes(13, 700 * KIB));

    // v1 as a publisher before format 2 made it: released, rewritten, then published.
    String v1Id = publisher.release("game", "live", v1, "1.0").get("id").asString();
    ReleaseManifest format1 = rewriteAsFormat1(publisher, UUID.fromString(v1Id), v1);
    publisher.publish(v1Id, 100);
    assertThat(manifestOf(publisher.envelope(v1Id)))
        .as("the control plane serves the format 1 manifest")
        .isEqualTo(format1);
    assertThat(format1.format()).isEqualTo(1);

    // v2: a 64 KiB overwrite in a.pak, 10 KiB inserted into b.pak, game.bin unchanged.
    Map<String, byte[]> v2 = new TreeMap<>(v1);
    byte[] a = v1.get("data/a.pak").clone();
    System.arraycopy(GameBuilds.bytes(21, 64 * KIB), 0, a, 2 << 20, 64 * KIB);
    v2.put("data/a.pak", a);
    byte[] b = v1.get("data/b.pak");
    byte[] inserted = new byte[b.length + 10 * KIB];
    System.arraycopy(b, 0, inserted, 0, 1 << 20);
    System.arraycopy(GameBuilds.bytes(22, 10 * KIB), 0, inserted, 1 << 20, 10 * KIB);
    System.arraycopy(b, 1 << 20, inserted, (1 << 20) + 10 * KIB, b.length - (1 << 20));
    v2.put("data/b.pak", inserted);
    long changed = 74 * KIB;

    try (AgentFixture agent = AgentFixture.start(temp.resolve("agent"))) {
      agent.enrol(controlPlane, publisher.organisation());
      publisher.entitle("game", agent.deviceId());
      Path dir = temp.resolve("games/game");
      Files.createDirectories(dir.getParent());
      install(agent, dir, 1);
      assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(v1);

      Publisher.Release r2 = publisher.publish("game", "live", v2, "1.1");
      ReleaseManifest m2 = r2.manifest();
      assertThat(m2.format()).isEqualTo(2);
      // Format 1's cut points before its average size are also format 2 cut points (its mask
      // there has format 2's bits and more), so some chunks stay the same; the rest differ.
      Set<String> v1Chunks = new HashSet<>();
      format1.chunks().forEach(c -> v1Chunks.add(c.id()));
      long differ = m2.chunks().stream().filter(c -> !v1Chunks.contains(c.id())).count();
      assertThat(differ).as("v2 chunks that v1 lacks").isPositive();
      PackEntry delta =
          m2.packs().stream()
              .filter(p -> !p.isFull() && p.baseVersion() == 1L)
              .findFirst()
              .orElseThrow();
      assertThat(delta.chunkIds()).as("no whole chunk in the delta pack").isEmpty();
      assertThat(delta.patches())
          .as("every chunk v1 lacks travels as a patch against format 1 chunks")
          .hasSize((int) differ);
      // The decision's cost: about the changed bytes plus a few dozen bytes per chunk.
      long allowance = (long) (changed * 1.2) + 2 * 64 * KIB + 100L * m2.chunks().size();
      assertThat(delta.totalSize()).isLessThan(allowance);

      JsonNode update = install(agent, dir, 2);
      assertThat(GameBuilds.files(dir)).containsExactlyInAnyOrderEntriesOf(v2);
      long fetched = update.get("bytesFromPeers").asLong() + update.get("bytesFromOrigin").asLong();
      assertThat(fetched)
          .as(
              "the delta pack from the format 1 release (%d bytes), not the full pack (%d)",
              delta.totalSize(), m2.fullPack().totalSize())
          .isBetween(delta.totalSize(), delta.totalSize() + 64L * KIB);
    }

    // A refresh (or a rollback) re-signs v1 in the format it was made in.
    UUID org =
        controlPlane
            .bean(Organisations.class)
            .findBySlug(publisher.organisation())
            .orElseThrow()
            .id();
    ReleaseManifest refreshed =
        manifestOf(
            controlPlane
                .bean(ManifestSigner.class)
                .resign(org, format1, 1, format1.createdAt(), format1.expiresAt())
                .envelope());
    assertThat(refreshed).isEqualTo(format1);
  }

  private static JsonNode install(AgentFixture agent, Path dir, long version) {
    JsonNode s = agent.awaitInstall(agent.install("game", "live", dir), TIMEOUT);
    assertThat(s.get("state").asString()).as(s.toString()).isEqualTo("COMPLETED");
    assertThat(s.get("installedVersion").asLong()).isEqualTo(version);
    return s;
  }

  private static ReleaseManifest manifestOf(byte[] envelope) {
    return ManifestCodec.parse(SignedEnvelope.parse(envelope).payload());
  }

  /**
   * Replaces a READY, unpublished release's manifest, full pack and torrent by what a format 1
   * publisher made of the same build: format 1's chunks, full pack and a format 1 manifest signed
   * by the organisation's key.
   */
  private ReleaseManifest rewriteAsFormat1(Publisher publisher, UUID id, Map<String, byte[]> build)
      throws Exception {
    UUID org =
        controlPlane
            .bean(Organisations.class)
            .findBySlug(publisher.organisation())
            .orElseThrow()
            .id();
    Releases releases = controlPlane.bean(Releases.class);
    Releases.Release stored = releases.get(org, id);
    ReleaseManifest now = stored.parsedManifest();
    Map<String, Integer> modes = new HashMap<>();
    now.files().forEach(f -> modes.put(f.path(), f.mode()));

    Map<String, byte[]> plain = new HashMap<>();
    Map<String, ChunkEntry> chunks = new LinkedHashMap<>();
    List<FileEntry> files = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : build.entrySet()) {
      byte[] data = e.getValue();
      List<String> ids = new ArrayList<>();
      for (int at = 0; at < data.length; ) {
        int n = FormatOneChunker.cut(data, at, data.length - at);
        byte[] chunk = Arrays.copyOfRange(data, at, at + n);
        String cid = sha256(chunk);
        ids.add(cid);
        plain.putIfAbsent(cid, chunk);
        chunks.putIfAbsent(cid, ChunkEntry.of(cid, n));
        at += n;
      }
      files.add(new FileEntry(e.getKey(), data.length, modes.get(e.getKey()), sha256(data), ids));
    }
    SigningKeys.SigningKey key = controlPlane.bean(SigningKeys.class).current(org);
    ReleaseManifest draft =
        new ReleaseManifest(
            now.product(),
            now.channel(),
            now.version(),
            now.displayVersion(),
            now.createdAt(),
            now.expiresAt(),
            files,
            new ArrayList<>(chunks.values()),
            List.of(),
            now.contentKeyId(),
            key.keyId(),
            1);

    byte[] contentKey =
        controlPlane
            .bean(ContentKeys.class)
            .find(stored.productId(), now.contentKeyId())
            .orElseThrow()
            .key();
    ChunkCipher cipher = new ChunkCipher(contentKey);
    PackLayout layout = PackLayout.full(draft);
    int pieceLength = PackLayout.pieceLengthFor(layout.totalSize());
    Path pack = Path.of(stored.directory()).resolve("full.pack");
    Files.delete(pack);
    PieceHashes hashes =
        PackWriter.write(layout, cid -> cipher.encrypt(cid, plain.get(cid)), pack, pieceLength);
    Releases.Pack old =
        releases.packs(id).stream().filter(p -> p.kind().equals("full")).findFirst().orElseThrow();
    Metainfo oldTorrent = Metainfo.parse(old.torrent());
    byte[] torrent =
        Metainfo.createPrivate(
            oldTorrent.announce(),
            oldTorrent.name(),
            layout.totalSize(),
            pieceLength,
            hashes.sha1());
    String infoHash = Metainfo.parse(torrent).infoHashHex();
    Files.write(Path.of(stored.directory()).resolve("full.pack.torrent"), torrent);
    ReleaseManifest format1 = draft.withPacks(List.of(layout.toEntry(null, infoHash, hashes)));
    ManifestConsistency.check(format1);
    byte[] envelope = SignedEnvelope.sign(ManifestCodec.encode(format1), key.pair()).encode();

    JdbcClient jdbc = controlPlane.bean(JdbcClient.class);
    jdbc.sql("update releases set manifest = ? where id = ?").params(envelope, id).update();
    int packs =
        jdbc.sql(
                "update packs set info_hash = ?, total_size = ?, piece_length = ?, torrent = ?"
                    + " where release_id = ? and kind = 'full'")
            .params(infoHash, layout.totalSize(), pieceLength, torrent, id)
            .update();
    assertThat(packs).isEqualTo(1);
    return format1;
  }

  private static String sha256(byte[] data) throws Exception {
    return Hex.encode(MessageDigest.getInstance("SHA-256").digest(data));
  }

  /**
   * Format 1's chunker, as it was before format 2 (FastCDC with normalised chunking: min 256 KiB, a
   * 22-bit mask before 1 MiB, an 18-bit one after, max 4 MiB, hashing from min on, the same gear
   * table): only to make a release as a format 1 publisher did.
   */
  static final class FormatOneChunker {
    private static final int MIN = 256 * KIB;
    private static final int AVG = 1 << 20;
    private static final int MAX = 4 << 20;
    private static final long MASK_SMALL = -1L << (64 - 22);
    private static final long MASK_LARGE = -1L << (64 - 18);
    private static final long[] GEAR = gear(0x5368_6f61_6c43_4443L);

    static int cut(byte[] buf, int off, int len) {
      if (len <= MIN) {
        return len;
      }
      int end = Math.min(len, MAX);
      int normal = Math.min(end, AVG);
      long hash = 0;
      int i = off + MIN;
      for (; i < off + normal; i++) {
        hash = (hash << 1) + GEAR[buf[i] & 0xff];
        if ((hash & MASK_SMALL) == 0) {
          return i + 1 - off;
        }
      }
      for (; i < off + end; i++) {
        hash = (hash << 1) + GEAR[buf[i] & 0xff];
        if ((hash & MASK_LARGE) == 0) {
          return i + 1 - off;
        }
      }
      return end;
    }

    private static long[] gear(long seed) {
      long[] table = new long[256];
      long state = seed;
      for (int i = 0; i < table.length; i++) {
        state += 0x9e37_79b9_7f4a_7c15L;
        long z = state;
        z = (z ^ (z >>> 30)) * 0xbf58_476d_1ce4_e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d0_49bb_1331_11ebL;
        table[i] = z ^ (z >>> 31);
      }
      return table;
    }
  }
}
