package dev.shoal.testsupport;

import dev.shoal.protocol.manifest.ChunkEntry;
import dev.shoal.protocol.manifest.FileEntry;
import dev.shoal.protocol.manifest.ReleaseManifest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Release manifests of test builds, for tests that chunk a build themselves. */
public final class Manifests {
  private Manifests() {}

  /**
   * The manifest of version {@code version} of product "game" on channel "live", released at the
   * start of 2026 and valid until {@code expires}, with no packs yet and fixed content and signing
   * key ids.
   */
  public static ReleaseManifest of(
      long version, Instant expires, List<FileEntry> files, Collection<ChunkEntry> chunks) {
    return new ReleaseManifest(
        "game",
        "live",
        version,
        "v" + version,
        Instant.parse("2026-01-01T00:00:00Z"),
        expires,
        files,
        new ArrayList<>(chunks),
        List.of(),
        "ck-1",
        "0123456789abcdef0123456789abcdef");
  }
}
