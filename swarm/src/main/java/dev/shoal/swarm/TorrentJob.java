package dev.shoal.swarm;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * One torrent to download and/or seed, made with {@link #builder(byte[], Path)}.
 *
 * @param torrent torrent file bytes (single-file v1)
 * @param dataFile where the payload lives (seed) or goes (download)
 * @param announceUrl HTTP tracker URL incl. passkey; null = the torrent's own, "" = no tracker
 * @param peers direct peer addresses (tests, CLI)
 * @param webSeeds BEP 19 style origin URLs; a URL ending in '/' gets the torrent name appended
 * @param pieceSha256 optional per-piece SHA-256 from the signed manifest, checked besides SHA-1
 * @param seedAfterComplete keep serving once complete
 * @param resumeFile fast-resume state file, null = none
 * @param recheckExisting without resume state, hash existing data on start and keep what matches
 * @param upCap torrent upload cap in bytes/s, 0 = unlimited
 * @param downCap torrent download cap in bytes/s, 0 = unlimited
 * @param onPieceVerified called on the engine thread with each verified piece index; keep it short
 */
public record TorrentJob(
    byte[] torrent,
    Path dataFile,
    String announceUrl,
    List<InetSocketAddress> peers,
    List<URI> webSeeds,
    List<byte[]> pieceSha256,
    boolean seedAfterComplete,
    Path resumeFile,
    boolean recheckExisting,
    long upCap,
    long downCap,
    IntConsumer onPieceVerified) {

  public TorrentJob {
    if (torrent == null || dataFile == null) {
      throw new IllegalArgumentException("torrent and dataFile are required");
    }
    if (upCap < 0 || downCap < 0) {
      throw new IllegalArgumentException("caps must be >= 0");
    }
    torrent = torrent.clone();
    peers = List.copyOf(peers == null ? List.of() : peers);
    webSeeds = List.copyOf(webSeeds == null ? List.of() : webSeeds);
    pieceSha256 = pieceSha256 == null ? null : List.copyOf(pieceSha256);
    if (pieceSha256 != null && pieceSha256.stream().anyMatch(h -> h == null || h.length != 32)) {
      throw new IllegalArgumentException("pieceSha256 entries must be 32 bytes");
    }
  }

  /** Download (or seed, if the data is already there) using the torrent's own tracker. */
  public static TorrentJob of(byte[] torrent, Path dataFile) {
    return builder(torrent, dataFile).build();
  }

  /**
   * A builder for a job on {@code torrent} with its payload in {@code dataFile}; unless set, the
   * job uses the torrent's own tracker, no direct peers or web seeds, keeps seeding when complete
   * and rechecks existing data.
   */
  public static Builder builder(byte[] torrent, Path dataFile) {
    return new Builder(torrent, dataFile);
  }

  /** Collects a job; {@link #build()} checks it. Each setter's meaning is the field's. */
  public static final class Builder {
    private final byte[] torrent;
    private final Path dataFile;
    private String announceUrl;
    private List<InetSocketAddress> peers = List.of();
    private List<URI> webSeeds = List.of();
    private List<byte[]> pieceSha256;
    private boolean seedAfterComplete = true;
    private Path resumeFile;
    private boolean recheckExisting = true;
    private long upCap;
    private long downCap;
    private IntConsumer onPieceVerified;

    private Builder(byte[] torrent, Path dataFile) {
      this.torrent = torrent;
      this.dataFile = dataFile;
    }

    public Builder announceUrl(String url) {
      this.announceUrl = url;
      return this;
    }

    public Builder peers(List<InetSocketAddress> list) {
      this.peers = list;
      return this;
    }

    public Builder webSeeds(List<URI> urls) {
      this.webSeeds = urls;
      return this;
    }

    public Builder pieceSha256(List<byte[]> hashes) {
      this.pieceSha256 = hashes;
      return this;
    }

    public Builder seedAfterComplete(boolean seed) {
      this.seedAfterComplete = seed;
      return this;
    }

    public Builder resumeFile(Path file) {
      this.resumeFile = file;
      return this;
    }

    public Builder recheckExisting(boolean recheck) {
      this.recheckExisting = recheck;
      return this;
    }

    public Builder upCap(long bytesPerSecond) {
      this.upCap = bytesPerSecond;
      return this;
    }

    public Builder downCap(long bytesPerSecond) {
      this.downCap = bytesPerSecond;
      return this;
    }

    public Builder onPieceVerified(IntConsumer listener) {
      this.onPieceVerified = listener;
      return this;
    }

    /**
     * The job.
     *
     * @throws IllegalArgumentException if the torrent or data file is missing, a cap is negative or
     *     a piece hash is not 32 bytes
     */
    public TorrentJob build() {
      return new TorrentJob(
          torrent,
          dataFile,
          announceUrl,
          peers,
          webSeeds,
          pieceSha256,
          seedAfterComplete,
          resumeFile,
          recheckExisting,
          upCap,
          downCap,
          onPieceVerified);
    }
  }
}
