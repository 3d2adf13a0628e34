package dev.shoal.controlplane.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.chunking.ChunkScanner;
import dev.shoal.protocol.crypto.ChunkCipher;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.pack.PackLayout;
import dev.shoal.protocol.pack.PackWriter;
import dev.shoal.protocol.pack.PieceHashes;
import dev.shoal.protocol.torrent.Metainfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parallel passes (chunking by file, encrypting runs of chunks, hashing ranges of pieces) give
 * exactly what one thread gives, and what the serial reference writer makes of the same chunks.
 */
class PackBuilderTest {

  private static final byte[] KEY = new byte[32];
  private static final String ANNOUNCE = "http://localhost/announce";

  @TempDir Path temp;

  private record Built(PackBuilder builder, PackLayout layout, PackBuilder.BuiltPack pack) {}

  private Path buildDir() throws IOException {
    Path dir = temp.resolve("build");
    Random random = new Random(42);
    byte[] shared = new byte[3 << 20];
    random.nextBytes(shared);
    List<byte[]> contents = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      byte[] own = new byte[(i + 1) * 700_000];
      random.nextBytes(own);
      contents.add(own);
    }
    Files.createDirectories(dir.resolve("data"));
    for (int i = 0; i < contents.size(); i++) {
      Files.write(dir.resolve("data/f" + i + ".bin"), contents.get(i));
    }
    // Chunks that occur in two files: the first file in path order must be their source.
    Files.write(dir.resolve("a-copy.bin"), shared);
    Files.write(dir.resolve("z-copy.bin"), shared);
    Files.write(dir.resolve("empty.bin"), new byte[0]);
    return dir;
  }

  private Built build(Path dir, int threads, String staging) throws IOException {
    ExecutorService workers = Executors.newFixedThreadPool(threads);
    try {
      return build(dir, threads, staging, workers);
    } finally {
      workers.shutdownNow();
    }
  }

  private Built build(Path dir, int threads, String staging, ExecutorService workers)
      throws IOException {
    Path stage = Files.createDirectories(temp.resolve(staging));
    {
      PackBuilder builder = new PackBuilder(dir, stage, workers, threads);
      List<String> paths;
      try (var walk = Files.walk(dir)) {
        paths = walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).toList();
      }
      List<Double> progress = new ArrayList<>();
      builder.chunkAndEncrypt(paths, new ChunkCipher(KEY), progress::add);
      assertThat(progress).isSorted().last().isEqualTo(1.0);
      ReleaseManifest unpacked = manifest(builder);
      PackLayout layout = builder.fullLayout(unpacked);
      return new Built(builder, layout, builder.finishFullPack(layout, "game-full.pack", ANNOUNCE));
    }
  }

  private static ReleaseManifest manifest(PackBuilder builder) {
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    return new ReleaseManifest(
        "game",
        "live",
        1,
        "1.0",
        now,
        now.plusSeconds(3600),
        builder.files(),
        builder.chunks(),
        List.of(),
        "k1",
        "0".repeat(32));
  }

  @Test
  void manyThreadsBuildWhatOneThreadAndTheSerialWriterBuild() throws Exception {
    Path dir = buildDir();
    Built one = build(dir, 1, "one");
    Built three = build(dir, 3, "three");

    assertThat(three.builder().files()).isEqualTo(one.builder().files());
    assertThat(three.builder().chunks()).isEqualTo(one.builder().chunks());
    assertThat(one.builder().files()).extracting(f -> f.path()).as("in path order").isSorted();
    byte[] pack = Files.readAllBytes(temp.resolve("three/full.pack"));
    assertThat(pack).isEqualTo(Files.readAllBytes(temp.resolve("one/full.pack")));
    assertThat(three.pack().entry()).isEqualTo(one.pack().entry());
    assertThat(three.pack().torrent()).isEqualTo(one.pack().torrent());

    // The reference: every chunk encrypted by itself, written in order by PackWriter.
    Map<String, byte[]> plaintexts = new HashMap<>();
    try (var walk = Files.walk(dir)) {
      for (Path file : walk.filter(Files::isRegularFile).toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          ChunkScanner.scan(
              in,
              (ref, buf, off, len) ->
                  plaintexts.put(ref.id(), java.util.Arrays.copyOfRange(buf, off, off + len)));
        }
      }
    }
    ChunkCipher cipher = new ChunkCipher(KEY);
    int pieceLength = PackLayout.pieceLengthFor(one.layout().totalSize());
    ByteArrayOutputStream reference = new ByteArrayOutputStream();
    PieceHashes hashes =
        PackWriter.write(
            one.layout(), id -> cipher.encrypt(id, plaintexts.get(id)), reference, pieceLength);
    assertThat(pack).isEqualTo(reference.toByteArray());
    assertThat(three.pack().entry().pieceSha256()).isEqualTo(hashes.sha256());
    assertThat(three.pack().entry().infoHash())
        .isEqualTo(
            Metainfo.parse(
                    Metainfo.createPrivate(
                        ANNOUNCE, "game-full.pack", pack.length, pieceLength, hashes.sha1()))
                .infoHashHex());
  }

  @Test
  void piecesHashedWhileWritingAreThePiecesReadBack() throws Exception {
    // The pass hashes pieces at the length an upper bound of the pack's size gives; when
    // deduplication makes the pack smaller, finishFullPack reads it back instead. Both agree.
    ExecutorService workers = Executors.newFixedThreadPool(2);
    try {
      piecesAgree(build(buildDir(), 2, "stage", workers));
    } finally {
      workers.shutdownNow();
    }
  }

  private static void piecesAgree(Built built) throws IOException {
    PieceHashes streamed = built.builder().streamedHashes();
    assertThat(streamed.pieceLength()).isEqualTo(built.pack().entry().pieceLength());
    assertThat(built.builder().hashFullPack(built.layout().totalSize(), streamed.pieceLength()))
        .isEqualTo(streamed);
    int other = streamed.pieceLength() * 2;
    PieceHashes reread = built.builder().hashFullPack(built.layout().totalSize(), other);
    assertThat(reread.pieceCount())
        .isEqualTo((int) ((built.layout().totalSize() + other - 1) / other));
  }
}
