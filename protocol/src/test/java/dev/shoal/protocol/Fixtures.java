package dev.shoal.protocol;

import dev.shoal.protocol.manifest.ChunkEntry;
import dev.shoal.protocol.manifest.FileEntry;
import dev.shoal.protocol.manifest.PackEntry;
import dev.shoal.protocol.manifest.PatchEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.pack.PackLayout;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;

/** Builders of consistent test manifests and deterministic keys. */
public final class Fixtures {
  public static final Instant CREATED = Instant.parse("2026-11-25T04:00:00Z");
  public static final Instant EXPIRES = Instant.parse("2026-12-25T04:00:00Z");
  public static final Instant NOW = Instant.parse("2026-11-26T00:00:00Z");

  private Fixtures() {}

  /**
   * The fuzz targets' rule for a parser of hostile bytes: it either rejects {@code data} with a
   * {@link ProtocolException} or accepts it as the one canonical encoding of what it parsed (so
   * {@code encode} gives {@code data} back) and {@code check} passes on it; anything else escapes.
   */
  public static <T> void canonicalOrRejected(
      byte[] data, Function<byte[], T> parse, Function<T, byte[]> encode, Consumer<T> check) {
    try {
      T parsed = parse.apply(data);
      if (!Arrays.equals(encode.apply(parsed), data)) {
        throw new AssertionError("accepted bytes that are not canonical");
      }
      check.accept(parsed);
    } catch (ProtocolException expected) {
      // rejected cleanly
    }
  }

  /** A chunk of a file spec: its identity label (same label = same chunk) and plaintext size. */
  public record ChunkSpec(String label, long size) {}

  public record FileSpec(String path, int mode, List<ChunkSpec> chunks) {}

  public static String sha256Hex(String label) {
    return sha256Hex(label.getBytes(StandardCharsets.UTF_8));
  }

  public static String sha256Hex(byte[] bytes) {
    try {
      return Hex.encode(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** An Ed25519 key pair that is the same in every run for the same seed. */
  public static KeyPair ed25519(long seed) {
    return keyPair("Ed25519", NamedParameterSpec.ED25519, seed);
  }

  public static KeyPair x25519(long seed) {
    return keyPair("X25519", NamedParameterSpec.X25519, seed);
  }

  private static KeyPair keyPair(String alg, NamedParameterSpec spec, long seed) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
      g.initialize(spec, new SeededRandom(seed));
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Deterministic bytes for key generation in tests only. */
  private static final class SeededRandom extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private final Random random;

    SeededRandom(long seed) {
      this.random = new Random(seed);
    }

    @Override
    public void nextBytes(byte[] bytes) {
      random.nextBytes(bytes);
    }
  }

  /** A consistent manifest: chunk table, one full pack and optional deltas against bases. */
  public static ReleaseManifest release(
      String product,
      String channel,
      long version,
      String displayVersion,
      List<FileSpec> files,
      List<ReleaseManifest> deltaBases,
      String signingKeyId) {
    Map<String, ChunkEntry> table = new LinkedHashMap<>();
    List<FileEntry> fileEntries = new ArrayList<>();
    for (FileSpec f : files) {
      List<String> ids = new ArrayList<>();
      long size = 0;
      for (ChunkSpec c : f.chunks()) {
        String id = sha256Hex(c.label());
        table.putIfAbsent(id, ChunkEntry.of(id, c.size()));
        ids.add(id);
        size += table.get(id).size();
      }
      fileEntries.add(new FileEntry(f.path(), size, f.mode(), sha256Hex("file:" + f.path()), ids));
    }
    ReleaseManifest draft =
        new ReleaseManifest(
            product,
            channel,
            version,
            displayVersion,
            CREATED,
            EXPIRES,
            fileEntries,
            new ArrayList<>(table.values()),
            List.of(),
            "ck-" + product + "-1",
            signingKeyId);
    List<PackEntry> packs = new ArrayList<>();
    packs.add(pack(PackEntry.FULL, null, PackLayout.full(draft)));
    for (ReleaseManifest base : deltaBases) {
      packs.add(pack(PackEntry.DELTA, base.version(), PackLayout.delta(base, draft)));
    }
    return withPacks(draft, packs);
  }

  public static ReleaseManifest withPacks(ReleaseManifest m, List<PackEntry> packs) {
    return m.withPacks(packs);
  }

  /** A pack entry with stand-in piece hashes (the right count) and a stand-in info hash. */
  public static PackEntry pack(String kind, Long base, PackLayout layout) {
    int pieceLength = PackLayout.pieceLengthFor(layout.totalSize());
    long pieces = (layout.totalSize() + pieceLength - 1) / pieceLength;
    List<String> hashes = new ArrayList<>();
    for (long i = 0; i < pieces; i++) {
      hashes.add(sha256Hex(kind + base + ":piece:" + i));
    }
    String infoHash = sha256Hex(kind + base + ":info").substring(0, 40);
    return new PackEntry(
        kind, base, infoHash, pieceLength, layout.totalSize(), hashes, layout.chunkIds());
  }

  public static final KeyPair PUBLISHER = ed25519(1);

  /**
   * The pinned sample release in format 2 (see sample-manifest-v2.json): its delta pack carries a
   * patch of {@code exe-b2} against {@code exe-b} instead of the chunk.
   */
  public static ReleaseManifest sample() {
    return patched(sampleUnpatched(), "exe-b2", "exe-b", 4321);
  }

  /** The pinned format 1 sample (see sample-manifest.json): the same release without patches. */
  public static ReleaseManifest sampleFormat1() {
    return withFormat(sampleUnpatched(), 1);
  }

  public static ReleaseManifest withFormat(ReleaseManifest m, int format) {
    return new ReleaseManifest(
        m.product(),
        m.channel(),
        m.version(),
        m.displayVersion(),
        m.createdAt(),
        m.expiresAt(),
        m.files(),
        m.chunks(),
        m.packs(),
        m.contentKeyId(),
        m.signingKeyId(),
        format);
  }

  /**
   * {@code m} with its first delta pack shipping a patch of chunk {@code label} (against chunk
   * {@code baseLabel} of the base) of {@code size} bytes instead of the chunk.
   */
  public static ReleaseManifest patched(
      ReleaseManifest m, String label, String baseLabel, long size) {
    String chunkId = sha256Hex(label);
    PatchEntry patch =
        new PatchEntry(sha256Hex("patch:" + label), size, chunkId, List.of(sha256Hex(baseLabel)));
    List<PackEntry> packs = new ArrayList<>();
    boolean done = false;
    for (PackEntry p : m.packs()) {
      if (done || p.isFull()) {
        packs.add(p);
        continue;
      }
      List<ChunkEntry> whole = new ArrayList<>();
      for (String id : p.chunkIds()) {
        if (!id.equals(chunkId)) {
          whole.add(m.chunks().stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow());
        }
      }
      PackLayout layout = PackLayout.of(whole, List.of(patch));
      PackEntry stand = pack(p.kind(), p.baseVersion(), layout);
      packs.add(
          new PackEntry(
              stand.kind(),
              stand.baseVersion(),
              stand.infoHash(),
              stand.pieceLength(),
              stand.totalSize(),
              stand.pieceSha256(),
              whole.stream().map(ChunkEntry::id).toList(),
              List.of(patch)));
      done = true;
    }
    return m.withPacks(packs);
  }

  private static ReleaseManifest sampleUnpatched() {
    String keyId = keyIdOf(PUBLISHER);
    ReleaseManifest v41 =
        release(
            "starfall",
            "live",
            41,
            "1.4.1",
            List.of(
                new FileSpec(
                    "bin/game.exe", 0755, List.of(c("exe-a", 1 << 20), c("exe-b", 300_000)))),
            List.of(),
            keyId);
    return release(
        "starfall",
        "live",
        42,
        "1.4.2 \"hotfix\" \u00e9\u00e8 \ud83d\udc1f \\ /",
        List.of(
            new FileSpec("bin/game.exe", 0755, List.of(c("exe-a", 1 << 20), c("exe-b2", 310_000))),
            new FileSpec("data/empty.cfg", 0644, List.of()),
            new FileSpec(
                "data/levels/01.pak",
                0644,
                List.of(c("pak-1", 2 << 20), c("pak-2", 900_000), c("exe-a", 1 << 20))),
            new FileSpec("readme.txt", 0644, List.of(c("readme", 1234)))),
        List.of(v41),
        keyId);
  }

  private static final String PATH_CHARS = "abcXYZ019._- \u00e9\u4e2d";
  private static final String TEXT_CHARS = "aZ9 .\"\\/\u00e9\u2028\u4e2d\ud83d\udc1f";

  /** A random but consistent release (with a delta against a random older release). */
  public static ReleaseManifest randomRelease(Random r) {
    String keyId = Hex.encode(bytes(r, 16));
    long version = 2 + r.nextInt(1000);
    ReleaseManifest base =
        release(
            "p" + r.nextInt(100), "live", version - 1, "base", randomFiles(r), List.of(), keyId);
    return release(
        base.product(),
        "ch-" + r.nextInt(5),
        version,
        text(r),
        randomFiles(r),
        List.of(base),
        keyId);
  }

  private static List<FileSpec> randomFiles(Random r) {
    List<FileSpec> files = new ArrayList<>();
    int n = r.nextInt(6);
    for (int i = 0; i < n; i++) {
      List<ChunkSpec> chunks = new ArrayList<>();
      int k = r.nextInt(4);
      for (int j = 0; j < k; j++) {
        // A small label pool makes chunks repeat within and across files and releases.
        int label = r.nextInt(12);
        chunks.add(new ChunkSpec("chunk-" + label, 1 + label * 100_003L));
      }
      files.add(new FileSpec("d" + i + "/" + randomSegment(r), r.nextInt(07777), chunks));
    }
    return files;
  }

  private static String randomSegment(Random r) {
    StringBuilder sb = new StringBuilder("f");
    int n = r.nextInt(12);
    for (int i = 0; i < n; i++) {
      sb.append(PATH_CHARS.charAt(r.nextInt(PATH_CHARS.length())));
    }
    return sb.toString();
  }

  private static String text(Random r) {
    StringBuilder sb = new StringBuilder("v");
    int n = r.nextInt(20);
    for (int i = 0; i < n; i++) {
      char c = TEXT_CHARS.charAt(r.nextInt(TEXT_CHARS.length()));
      if (Character.isHighSurrogate(c)) {
        sb.append("\ud83d\udc1f");
      } else if (!Character.isLowSurrogate(c)) {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  public static byte[] bytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  private static ChunkSpec c(String label, long size) {
    return new ChunkSpec(label, size);
  }

  public static String keyIdOf(KeyPair kp) {
    return dev.shoal.protocol.signing.Ed25519.keyId(kp.getPublic());
  }
}
