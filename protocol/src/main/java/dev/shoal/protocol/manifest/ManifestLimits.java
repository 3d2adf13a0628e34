package dev.shoal.protocol.manifest;

/**
 * Bounds applied before and while parsing a manifest, so hostile input cannot make a client
 * allocate or loop without limit. The defaults fit a 100+ GiB game with 1 MiB chunks.
 */
public record ManifestLimits(
    int maxPayloadBytes, int maxFiles, int maxChunks, int maxPacks, int maxListLength) {
  public static final ManifestLimits DEFAULT =
      new ManifestLimits(64 << 20, 200_000, 1_000_000, 64, 1_000_000);

  public ManifestLimits {
    if (maxPayloadBytes < 1 || maxFiles < 0 || maxChunks < 0 || maxPacks < 1 || maxListLength < 0) {
      throw new IllegalArgumentException("limits must be positive");
    }
  }
}
