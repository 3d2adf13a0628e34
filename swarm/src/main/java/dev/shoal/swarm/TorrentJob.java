package dev.shoal.swarm;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * One torrent to download and/or seed.
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
    return new TorrentJob(torrent, dataFile, null, null, null, null, true, null, true, 0, 0, null);
  }

  public TorrentJob withAnnounceUrl(String url) {
    return new TorrentJob(
        torrent,
        dataFile,
        url,
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

  public TorrentJob withPeers(List<InetSocketAddress> list) {
    return new TorrentJob(
        torrent,
        dataFile,
        announceUrl,
        list,
        webSeeds,
        pieceSha256,
        seedAfterComplete,
        resumeFile,
        recheckExisting,
        upCap,
        downCap,
        onPieceVerified);
  }

  public TorrentJob withWebSeeds(List<URI> urls) {
    return new TorrentJob(
        torrent,
        dataFile,
        announceUrl,
        peers,
        urls,
        pieceSha256,
        seedAfterComplete,
        resumeFile,
        recheckExisting,
        upCap,
        downCap,
        onPieceVerified);
  }

  public TorrentJob withPieceSha256(List<byte[]> hashes) {
    return new TorrentJob(
        torrent,
        dataFile,
        announceUrl,
        peers,
        webSeeds,
        hashes,
        seedAfterComplete,
        resumeFile,
        recheckExisting,
        upCap,
        downCap,
        onPieceVerified);
  }

  public TorrentJob withSeedAfterComplete(boolean seed) {
    return new TorrentJob(
        torrent,
        dataFile,
        announceUrl,
        peers,
        webSeeds,
        pieceSha256,
        seed,
        resumeFile,
        recheckExisting,
        upCap,
        downCap,
        onPieceVerified);
  }

  public TorrentJob withResumeFile(Path file) {
    return new TorrentJob(
        torrent,
        dataFile,
        announceUrl,
        peers,
        webSeeds,
        pieceSha256,
        seedAfterComplete,
        file,
        recheckExisting,
        upCap,
        downCap,
        onPieceVerified);
  }

  public TorrentJob withRecheckExisting(boolean recheck) {
    return new TorrentJob(
        torrent,
        dataFile,
        announceUrl,
        peers,
        webSeeds,
        pieceSha256,
        seedAfterComplete,
        resumeFile,
        recheck,
        upCap,
        downCap,
        onPieceVerified);
  }

  public TorrentJob withCaps(long up, long down) {
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
        up,
        down,
        onPieceVerified);
  }

  public TorrentJob withOnPieceVerified(IntConsumer listener) {
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
        listener);
  }
}
