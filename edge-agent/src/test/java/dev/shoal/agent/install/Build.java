package dev.shoal.agent.install;

import dev.shoal.protocol.Hex;
import dev.shoal.protocol.chunking.ChunkScanner;
import dev.shoal.protocol.chunking.FileChunks;
import dev.shoal.protocol.crypto.ChunkCipher;
import dev.shoal.protocol.manifest.ChunkEntry;
import dev.shoal.protocol.manifest.FileEntry;
import dev.shoal.protocol.manifest.FileModes;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.pack.PackLayout;
import dev.shoal.protocol.pack.PackWriter;
import dev.shoal.testsupport.Manifests;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/** A test release: file contents and modes, its manifest, its plaintext chunks and its packs. */
final class Build {
  static final byte[] KEY = new byte[32];

  static {
    new Random(7).nextBytes(KEY);
  }

  final Map<String, byte[]> files;
  final Map<String, Integer> modes;
  final Map<String, byte[]> chunks = new HashMap<>();
  final ReleaseManifest manifest;

  Build(long version, Map<String, byte[]> files, Map<String, Integer> modes) {
    this.files = new TreeMap<>(files);
    this.modes = modes;
    List<FileEntry> entries = new ArrayList<>();
    Map<String, ChunkEntry> table = new LinkedHashMap<>();
    try {
      for (var e : this.files.entrySet()) {
        FileChunks fc =
            ChunkScanner.scan(
                new ByteArrayInputStream(e.getValue()),
                (ref, buf, off, len) -> {
                  chunks.put(ref.id(), Arrays.copyOfRange(buf, off, off + len));
                  table.putIfAbsent(ref.id(), ChunkEntry.of(ref.id(), len));
                });
        entries.add(
            new FileEntry(
                e.getKey(),
                fc.size(),
                modes.getOrDefault(e.getKey(), 0644),
                fc.sha256(),
                fc.chunkIds()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    manifest =
        Manifests.of(version, Instant.parse("2027-01-01T00:00:00Z"), entries, table.values());
  }

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** v1: several files, a few MiB, an executable, an empty file. */
  static Build v1() {
    Map<String, byte[]> f = new HashMap<>();
    f.put("bin/game", random(1_500_000, 1));
    f.put("data/a.pak", random(2_000_000, 2));
    f.put("data/b.pak", random(600_000, 3));
    f.put("readme.txt", "hello v1\n".getBytes());
    f.put("data/empty", new byte[0]);
    return new Build(1, f, Map.of("bin/game", 0755));
  }

  /** v2: a.pak patched in the middle, b.pak gone, c.pak new, readme changed, game mode changed. */
  static Build v2() {
    Map<String, byte[]> f = new HashMap<>(v1().files);
    byte[] a = f.get("data/a.pak").clone();
    byte[] patch = random(64_000, 20);
    System.arraycopy(patch, 0, a, 1_000_000, patch.length);
    f.put("data/a.pak", a);
    f.remove("data/b.pak");
    f.put("data/c.pak", random(800_000, 4));
    f.put("readme.txt", "hello v2\n".getBytes());
    return new Build(2, f, Map.of("bin/game", 0750));
  }

  Build withVersion(long version) {
    return new Build(version, files, modes);
  }

  /** Writes the pack of {@code layout} (encrypted chunks of this build) and returns its file. */
  Path writePack(Path file, PackLayout layout) throws IOException {
    ChunkCipher cipher = new ChunkCipher(KEY);
    PackWriter.write(
        layout,
        id -> cipher.encrypt(id, chunks.get(id)),
        file,
        PackLayout.pieceLengthFor(layout.totalSize()));
    return file;
  }

  Path writeManifest(Path file) throws IOException {
    Files.write(file, ManifestCodec.encode(manifest));
    return file;
  }

  /** Chunk ids of the given files. */
  Set<String> chunkIdsOf(String... paths) {
    Set<String> ids = new TreeSet<>();
    for (String p : paths) {
      manifest.files().stream()
          .filter(f -> f.path().equals(p))
          .forEach(f -> ids.addAll(f.chunkIds()));
    }
    return ids;
  }

  /** True if {@code dir} holds exactly this build's files, bit for bit, with its modes. */
  boolean matches(Path dir) throws IOException {
    return matches(dir, Set.of());
  }

  /** Like {@link #matches(Path)}, not counting the player's own files at {@code playerFiles}. */
  boolean matches(Path dir, Set<String> playerFiles) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    Map<String, byte[]> found = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String relative = dir.relativize(p).toString().replace('\\', '/');
        if (Files.isRegularFile(p) && !playerFiles.contains(relative)) {
          found.put(relative, Files.readAllBytes(p));
        }
      }
    }
    if (!found.keySet().equals(files.keySet())) {
      return false;
    }
    for (var e : files.entrySet()) {
      if (!Arrays.equals(e.getValue(), found.get(e.getKey()))) {
        return false;
      }
      String want =
          PosixFilePermissions.toString(
              FileModes.permissions(modes.getOrDefault(e.getKey(), 0644)));
      String have =
          PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(e.getKey())));
      if (!want.equals(have)) {
        return false;
      }
    }
    return true;
  }

  static String sha(byte[] b) throws Exception {
    return Hex.encode(java.security.MessageDigest.getInstance("SHA-256").digest(b));
  }

  /** A source that records every chunk id asked for. */
  static final class Counting implements ChunkSource {
    final ChunkSource inner;
    final Set<String> asked = ConcurrentHashMap.newKeySet();

    Counting(ChunkSource inner) {
      this.inner = inner;
    }

    @Override
    public byte[] chunk(String chunkId) throws IOException {
      asked.add(chunkId);
      return inner.chunk(chunkId);
    }

    @Override
    public void close() throws IOException {
      inner.close();
    }
  }
}
