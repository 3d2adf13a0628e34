package dev.shoal.protocol.manifest;

import dev.shoal.protocol.Hex;
import dev.shoal.protocol.json.Text;
import dev.shoal.protocol.json.Timestamps;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a release of a product on a channel consists of. Encoded by {@link ManifestCodec}; the
 * signed bytes are that canonical encoding. The constructor checks each field's format; the
 * cross-references (sizes add up, chunks exist) are checked by {@link ManifestConsistency}.
 *
 * @param version monotonic per channel, starting at 1
 * @param displayVersion free text shown to players, e.g. "1.4.2 hotfix"
 * @param contentKeyId names the product content key the chunks are encrypted with
 * @param signingKeyId key id of the (first) publisher key that signs this manifest
 * @param format the format version the manifest is encoded in: {@link ManifestCodec#FORMAT} for new
 *     manifests; {@code 1} for releases published before format 2 (other chunker, no patches)
 */
public record ReleaseManifest(
    String product,
    String channel,
    long version,
    String displayVersion,
    Instant createdAt,
    Instant expiresAt,
    List<FileEntry> files,
    List<ChunkEntry> chunks,
    List<PackEntry> packs,
    String contentKeyId,
    String signingKeyId,
    int format) {
  public static final int MAX_TOKEN_LENGTH = 64;
  public static final int MAX_DISPLAY_VERSION_LENGTH = 128;
  public static final int MAX_KEY_ID_LENGTH = 128;

  /** A manifest in the current format. */
  public ReleaseManifest(
      String product,
      String channel,
      long version,
      String displayVersion,
      Instant createdAt,
      Instant expiresAt,
      List<FileEntry> files,
      List<ChunkEntry> chunks,
      List<PackEntry> packs,
      String contentKeyId,
      String signingKeyId) {
    this(
        product,
        channel,
        version,
        displayVersion,
        createdAt,
        expiresAt,
        files,
        chunks,
        packs,
        contentKeyId,
        signingKeyId,
        ManifestCodec.FORMAT);
  }

  public ReleaseManifest {
    if (format < ManifestCodec.OLDEST_FORMAT || format > ManifestCodec.FORMAT) {
      throw new IllegalArgumentException("format: " + format + " is not supported");
    }
    Text.requireToken(product, MAX_TOKEN_LENGTH, "product");
    Text.requireToken(channel, MAX_TOKEN_LENGTH, "channel");
    if (version < 1) {
      throw new IllegalArgumentException("version: must be >= 1, got " + version);
    }
    Text.requirePrintable(displayVersion, MAX_DISPLAY_VERSION_LENGTH, "displayVersion");
    Timestamps.require(createdAt, "createdAt");
    Timestamps.require(expiresAt, "expiresAt");
    files = List.copyOf(files);
    chunks = List.copyOf(chunks);
    packs = List.copyOf(packs);
    requireUniquePaths(files);
    requireUniqueChunks(chunks);
    Text.requireToken(contentKeyId, MAX_KEY_ID_LENGTH, "contentKeyId");
    Hex.require(signingKeyId, 32, "signingKeyId");
    if (format < 2 && packs.stream().anyMatch(p -> !p.patches().isEmpty())) {
      throw new IllegalArgumentException("packs: format " + format + " has no patches");
    }
  }

  private static void requireUniquePaths(List<FileEntry> files) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < files.size(); i++) {
      // Case-insensitive: two paths differing only in case are one file on Windows and macOS.
      if (!seen.add(files.get(i).path().toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("files[" + i + "].path: duplicate path (ignoring case)");
      }
    }
  }

  private static void requireUniqueChunks(List<ChunkEntry> chunks) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < chunks.size(); i++) {
      if (!seen.add(chunks.get(i).id())) {
        throw new IllegalArgumentException("chunks[" + i + "].id: duplicate chunk");
      }
    }
  }

  /** A copy with {@code packs} instead; publishers add packs once the pack files are written. */
  public ReleaseManifest withPacks(List<PackEntry> packs) {
    return new ReleaseManifest(
        product,
        channel,
        version,
        displayVersion,
        createdAt,
        expiresAt,
        files,
        chunks,
        packs,
        contentKeyId,
        signingKeyId,
        format);
  }

  /** The full pack (consistency guarantees there is exactly one). */
  public PackEntry fullPack() {
    return packs.stream()
        .filter(PackEntry::isFull)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no full pack"));
  }
}
