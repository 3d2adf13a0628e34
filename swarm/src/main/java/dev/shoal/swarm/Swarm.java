package dev.shoal.swarm;

import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.protocol.torrent.MetainfoException;
import java.io.IOException;
import java.nio.file.Files;
import java.util.BitSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Shoal P2P engine: BitTorrent peer wire (BEP 3/6/10) for private single-file torrents, with
 * HTTP tracker announces, HTTP origin fallback, caps, bans and fast resume.
 *
 * <pre>{@code
 * try (Swarm swarm = Swarm.start(SwarmConfig.defaults())) {
 *   TorrentHandle h = swarm.add(TorrentJob.of(torrentBytes, Path.of("game.pak")));
 *   h.awaitCompletion(Duration.ofMinutes(10));
 * }
 * }</pre>
 */
public final class Swarm implements AutoCloseable {
  private final Engine engine;

  private Swarm(Engine engine) {
    this.engine = engine;
  }

  public static Swarm start(SwarmConfig config) throws IOException {
    return new Swarm(new Engine(config));
  }

  /**
   * Adds a torrent. Known-good pieces come from the resume file or, without one, from re-checking
   * existing data (when {@code recheckExisting}); the rest is downloaded.
   *
   * @throws IllegalArgumentException if the torrent is invalid or pieceSha256 has the wrong size
   * @throws IllegalStateException if the same torrent (info hash) is already added
   */
  public TorrentHandle add(TorrentJob job) throws IOException {
    Metainfo meta;
    try {
      meta = Metainfo.parse(job.torrent());
    } catch (MetainfoException e) {
      throw new IllegalArgumentException("invalid torrent: " + e.getMessage(), e);
    }
    if (job.pieceSha256() != null && job.pieceSha256().size() != meta.pieceCount()) {
      throw new IllegalArgumentException("pieceSha256 must have one hash per piece");
    }
    boolean existed = Files.exists(job.dataFile()) && Files.size(job.dataFile()) > 0;
    Storage storage = new Storage(job.dataFile(), meta.length(), true);
    Torrent t = new Torrent(engine, meta, job, storage);
    BitSet resume =
        job.resumeFile() == null
            ? null
            : ResumeState.read(job.resumeFile(), meta.infoHash(), meta.length(), meta.pieceCount());
    if (!call(() -> engine.addTorrent(t))) {
      storage.close();
      throw new IllegalStateException("torrent " + meta.infoHashHex() + " is already added");
    }
    if (resume != null && existed) {
      engine.execute(() -> start(t, resume));
    } else if (existed && job.recheckExisting()) {
      engine.workers.execute(() -> recheck(t));
    } else {
      engine.execute(() -> start(t, new BitSet()));
    }
    return new TorrentHandle(t, engine);
  }

  private void start(Torrent t, BitSet good) {
    t.markVerifiedAtStart(good);
    t.goLive();
  }

  /** Hashes existing data piece by piece on a worker thread; good pieces are kept. */
  private void recheck(Torrent t) {
    BitSet good = new BitSet();
    try {
      Metainfo m = t.meta;
      long size = t.storage.size();
      for (int i = 0; i < m.pieceCount(); i++) {
        long pos = (long) i * m.pieceLength();
        if (pos + m.pieceSize(i) > size) {
          break;
        }
        byte[] data = t.storage.read(pos, m.pieceSize(i));
        byte[] sha256 = t.job.pieceSha256() == null ? null : t.job.pieceSha256().get(i);
        if (Verifier.matches("SHA-1", data, data.length, m.pieceSha1(i))
            && (sha256 == null || Verifier.matches("SHA-256", data, data.length, sha256))) {
          good.set(i);
        }
      }
      engine.execute(() -> start(t, good));
    } catch (IOException e) {
      engine.execute(() -> t.fail("re-check failed", e));
    }
  }

  /** The port peers can reach us on, or 0 while uploads are off (no listening socket). */
  public int listenPort() {
    return call(engine::listenPort);
  }

  /** Our 20-byte peer id. */
  public byte[] peerId() {
    return engine.peerId.clone();
  }

  /** Switches uploading on or off; the listening socket is opened/closed before this returns. */
  public void setUploadEnabled(boolean enabled) {
    call(
        () -> {
          engine.setUploadEnabled(enabled);
          return null;
        });
  }

  /**
   * Whether uploads to peers on our LAN skip the upload caps (off at start): their traffic stays in
   * the home, but a player who was promised "never faster than the cap" must have agreed to it.
   */
  public void setLanUploadsUncapped(boolean uncapped) {
    engine.lanUploadsUncapped = uncapped;
  }

  public boolean isUploadEnabled() {
    return engine.uploadEnabled();
  }

  /**
   * The external port a router maps to our listening port (UPnP IGD, NAT-PMP), announced instead of
   * the listening port; 0 = none (the listening port is announced). The trackers hear of a change
   * at once. The listening port is still reported as the LAN endpoint, for peers behind the same
   * router.
   */
  public void setMappedPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range");
    }
    call(
        () -> {
          engine.setMappedPort(port);
          return null;
        });
  }

  /** Global caps in bytes/s over all torrents (0 = unlimited); take effect at once. */
  public void setGlobalCaps(long upBytesPerSecond, long downBytesPerSecond) {
    if (upBytesPerSecond < 0 || downBytesPerSecond < 0) {
      throw new IllegalArgumentException("caps must be >= 0");
    }
    call(
        () -> {
          engine.upBucket.setRate(upBytesPerSecond);
          engine.downBucket.setRate(downBytesPerSecond);
          return null;
        });
  }

  /**
   * Asks {@link SwarmConfig#admission()} again about every connected peer and drops those it
   * refuses now (a device was revoked); done when this returns.
   */
  public void recheckAdmission() {
    call(engine::recheckAdmission);
  }

  @Override
  public void close() {
    engine.shutdown();
  }

  /** Runs {@code f} on the engine thread and returns its result (tests inspect state this way). */
  <T> T onEngine(java.util.function.Function<Engine, T> f) {
    return call(() -> f.apply(engine));
  }

  private void call(Runnable r) {
    call(
        () -> {
          r.run();
          return null;
        });
  }

  /** The connected peers of all torrents (handshake done), as the engine sees them now. */
  public java.util.List<PeerSnapshot> peers() {
    return java.util.List.copyOf(call(engine::peerSnapshots));
  }

  /** How each connected peer is connected ("tcp" or "utp"), for tests. */
  java.util.List<String> peerTransports() {
    return peers().stream().map(PeerSnapshot::transport).toList();
  }

  /** Runs on the engine thread and waits, so callers see the effect when this returns. */
  private <T> T call(java.util.function.Supplier<T> s) {
    CompletableFuture<T> f = new CompletableFuture<>();
    engine.execute(
        () -> {
          try {
            f.complete(s.get());
          } catch (RuntimeException e) {
            f.completeExceptionally(e);
          }
        });
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("engine did not respond", e);
    }
  }
}
