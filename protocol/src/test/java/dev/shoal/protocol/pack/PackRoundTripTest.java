package dev.shoal.protocol.pack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.protocol.Fixtures;
import dev.shoal.protocol.Hex;
import dev.shoal.protocol.chunking.ChunkScanner;
import dev.shoal.protocol.chunking.ChunkingParams;
import dev.shoal.protocol.chunking.FileChunks;
import dev.shoal.protocol.crypto.ChunkCipher;
import dev.shoal.protocol.manifest.ChunkEntry;
import dev.shoal.protocol.manifest.FileEntry;
import dev.shoal.protocol.manifest.ManifestConsistency;
import dev.shoal.protocol.manifest.PackEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publish path end to end: chunk, encrypt, lay out, write, hash; then read back and rebuild.
 */
class PackRoundTripTest {
  static final ChunkingParams SMALL = new ChunkingParams(4 << 10, 16 << 10, 64 << 10);
  static final byte[] KEY = Fixtures.bytes(new Random(77), 32);

  @TempDir Path dir;

  @Test
  void publishAndRebuild() throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    Random r = new Random(2);
    files.put("data/big.pak", Fixtures.bytes(r, 900_000));
    files.put("bin/app", Fixtures.bytes(r, 123_456));
    byte[] copy = files.get("bin/app").clone();
    files.put("bin/app-copy", copy);
    files.put("empty", new byte[0]);

    ChunkCipher cipher = new ChunkCipher(KEY);
    Map<String, byte[]> encrypted = new HashMap<>();
    Map<String, ChunkEntry> table = new LinkedHashMap<>();
    List<FileEntry> entries = new ArrayList<>();
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      FileChunks chunks =
          ChunkScanner.scan(
              new ByteArrayInputStream(f.getValue()),
              SMALL,
              (ref, buf, off, len) -> {
                encrypted.computeIfAbsent(
                    ref.id(), id -> cipher.encrypt(Hex.decode(id), buf, off, len));
                table.putIfAbsent(ref.id(), ChunkEntry.of(ref.id(), len));
              });
      entries.add(
          new FileEntry(f.getKey(), chunks.size(), 0644, chunks.sha256(), chunks.chunkIds()));
    }
    ReleaseManifest draft =
        new ReleaseManifest(
            "p",
            "live",
            1,
            "1.0",
            Fixtures.CREATED,
            Fixtures.EXPIRES,
            entries,
            new ArrayList<>(table.values()),
            List.of(),
            "ck-1",
            "0".repeat(32));
    PackLayout layout = PackLayout.full(draft);
    int pieceLength = 16 << 10;
    Path packFile = dir.resolve("full.pack");
    PieceHashes hashes = PackWriter.write(layout, encrypted::get, packFile, pieceLength);

    byte[] pack = Files.readAllBytes(packFile);
    assertThat((long) pack.length).isEqualTo(layout.totalSize()).isEqualTo(hashes.totalSize());
    assertPieceHashes(pack, pieceLength, hashes);

    PackEntry entry = layout.toEntry(null, "0".repeat(40), hashes);
    assertThat(entry.kind()).isEqualTo("full");
    assertThat(entry.pieceSha256()).isEqualTo(hashes.sha256());
    ReleaseManifest release = draft.withPacks(List.of(entry));
    ManifestConsistency.check(release);

    try (PackReader reader = new PackReader(packFile, PackLayout.of(entry, release))) {
      for (FileEntry f : release.files()) {
        ByteArrayOutputStream rebuilt = new ByteArrayOutputStream();
        for (String id : f.chunkIds()) {
          rebuilt.writeBytes(cipher.decrypt(id, reader.readChunk(id)));
        }
        assertThat(rebuilt.toByteArray()).isEqualTo(files.get(f.path()));
      }
      assertThatThrownBy(() -> reader.readChunk("f".repeat(64)))
          .isInstanceOf(IllegalArgumentException.class);
    }
    // The copy deduplicates: its chunks are those of bin/app.
    assertThat(entries.get(2).chunkIds()).isEqualTo(entries.get(1).chunkIds());
  }

  @Test
  void writingIsReproducible() throws IOException {
    PackLayout layout =
        PackLayout.of(
            List.of(ChunkEntry.of("a".repeat(64), 10), ChunkEntry.of("b".repeat(64), 20)));
    Map<String, byte[]> bytes = Map.of("a".repeat(64), new byte[26], "b".repeat(64), new byte[36]);
    ByteArrayOutputStream out1 = new ByteArrayOutputStream();
    ByteArrayOutputStream out2 = new ByteArrayOutputStream();
    PieceHashes h1 = PackWriter.write(layout, bytes::get, out1, 16 << 10);
    PieceHashes h2 = PackWriter.write(layout, bytes::get, out2, 16 << 10);
    assertThat(out1.toByteArray()).isEqualTo(out2.toByteArray()).hasSize(62);
    assertThat(h1.sha1()).isEqualTo(h2.sha1()).hasSize(20);
    assertThat(h1.pieceCount()).isEqualTo(1);
  }

  @Test
  void rejectsSourceBytesOfTheWrongSize() {
    PackLayout layout = PackLayout.of(List.of(ChunkEntry.of("a".repeat(64), 10)));
    assertThatThrownBy(
            () ->
                PackWriter.write(layout, id -> new byte[10], new ByteArrayOutputStream(), 16 << 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("layout says 26");
  }

  @Test
  void readerRejectsAFileOfTheWrongSize() throws IOException {
    PackLayout layout = PackLayout.of(List.of(ChunkEntry.of("a".repeat(64), 10)));
    Path file = dir.resolve("short.pack");
    Files.write(file, new byte[25]);
    assertThatThrownBy(() -> new PackReader(file, layout)).isInstanceOf(IOException.class);
  }

  private static void assertPieceHashes(byte[] pack, int pieceLength, PieceHashes hashes)
      throws Exception {
    int pieces = (pack.length + pieceLength - 1) / pieceLength;
    assertThat(hashes.pieceCount()).isEqualTo(pieces);
    byte[] sha1 = hashes.sha1();
    for (int i = 0; i < pieces; i++) {
      byte[] piece =
          Arrays.copyOfRange(pack, i * pieceLength, Math.min(pack.length, (i + 1) * pieceLength));
      assertThat(Arrays.copyOfRange(sha1, i * 20, i * 20 + 20))
          .isEqualTo(MessageDigest.getInstance("SHA-1").digest(piece));
      assertThat(hashes.sha256().get(i)).isEqualTo(Fixtures.sha256Hex(piece));
    }
  }
}
