package dev.shoal.swarm;

import dev.shoal.protocol.torrent.AnnounceException;
import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.protocol.torrent.AnnounceResponse;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/**
 * HTTP tracker client for one torrent. The passkey is part of the URL (path or query) and is kept
 * as given; our parameters are appended. Requests are asynchronous; results come back to the engine
 * thread.
 */
final class Tracker {
  private static final Logger LOG = Logger.getLogger(Tracker.class.getName());
  private static final long SECOND = 1_000_000_000L;
  // Every back-off wait is spread by up to this fraction either way: agents that started together
  // (release day, a tracker back after an outage) must not keep asking in the same second.
  private static final double JITTER = 0.2;

  private final Torrent torrent;
  private final String url;
  private boolean inFlight;
  private long lastAnnounceNanos;
  private long nextAnnounceNanos = Long.MAX_VALUE;
  private int intervalSeconds = 1800;
  private int minIntervalSeconds;
  private int failures;
  private InetAddress lanAddress;
  private boolean lanLooked;
  private int emptyAnnounces;
  // Drawn once per announce, so that a wait is not shortened by redrawing it at every tick.
  private double spread = 1;

  Tracker(Torrent torrent, String url) {
    this.torrent = torrent;
    this.url = url;
  }

  void announce(AnnounceRequest.Event event) {
    Engine engine = torrent.engine;
    if (!lanLooked && event != AnnounceRequest.Event.STOPPED) {
      // Once, before the first announce: which local address our packets to the tracker leave
      // from. Off the engine thread, as the tracker's host name may need DNS.
      lanLooked = true;
      inFlight = true;
      String bind = engine.config.bindAddress();
      java.util.concurrent.CompletableFuture.supplyAsync(() -> routeSource(url, bind))
          .whenComplete(
              (found, err) ->
                  engine.execute(
                      () -> {
                        lanAddress = found;
                        inFlight = false;
                        if (torrent.live()) {
                          announce(event);
                        }
                      }));
      return;
    }
    AnnounceRequest req =
        new AnnounceRequest(
            torrent.infoHash,
            engine.peerId,
            engine.announcePort(),
            torrent.uploaded.total(),
            torrent.fromPeers.total() + torrent.fromOrigin.total(),
            torrent.left(),
            event,
            event == AnnounceRequest.Event.STOPPED ? 0 : 50,
            true);
    // Without a listening socket (uploads off: no upload consent, paused...) the port we name is
    // not served: "upload=0" tells the tracker to give us peers but never hand us out to others.
    String target = req.toUrl(url) + (engine.listenPort() == 0 ? "&upload=0" : lanQuery());
    HttpRequest http;
    try {
      http =
          HttpRequest.newBuilder(URI.create(target))
              .timeout(Duration.ofSeconds(15))
              .header("User-Agent", engine.config.userAgent())
              .GET()
              .build();
    } catch (IllegalArgumentException e) {
      LOG.warning("bad announce URL: " + e.getMessage());
      return;
    }
    inFlight = true;
    lastAnnounceNanos = System.nanoTime();
    spread = spread(ThreadLocalRandom.current().nextDouble());
    engine
        .http()
        .sendAsync(http, HttpResponse.BodyHandlers.ofByteArray())
        .whenComplete((resp, err) -> engine.execute(() -> onResponse(event, resp, err)));
  }

  /**
   * {@code &lanip=..&lanport=..}: where peers behind the same router reach us (the tracker hands it
   * only to peers it sees at our public address), or "" when we are not on a private network. The
   * address is the one our packets to the tracker leave from (a UDP "connect" only picks the route,
   * it sends nothing), looked up once per torrent.
   */
  private String lanQuery() {
    InetAddress lan = lanAddress;
    if (lan == null || !isPrivate(lan)) {
      return "";
    }
    return "&lanip="
        + lan.getHostAddress().replace(":", "%3A")
        + "&lanport="
        + torrent.engine.listenPort();
  }

  /** The local address packets to the announce URL's host leave from, or null. */
  static InetAddress routeSource(String announceUrl, String bindAddress) {
    try {
      InetAddress bound = InetAddress.getByName(bindAddress);
      if (!bound.isAnyLocalAddress()) {
        return bound;
      }
      URI uri = URI.create(announceUrl);
      int port = uri.getPort() > 0 ? uri.getPort() : 80;
      try (java.net.DatagramSocket probe = new java.net.DatagramSocket()) {
        probe.connect(new java.net.InetSocketAddress(InetAddress.getByName(uri.getHost()), port));
        InetAddress local = probe.getLocalAddress();
        return local == null || local.isAnyLocalAddress() ? null : local;
      }
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }

  /** Home-network ranges: RFC 1918, IPv6 unique local, and loopback (peers on one machine). */
  static boolean isPrivate(InetAddress a) {
    return a.isSiteLocalAddress()
        || a.isLoopbackAddress()
        || (a instanceof java.net.Inet6Address && (a.getAddress()[0] & 0xfe) == 0xfc);
  }

  private void onResponse(AnnounceRequest.Event event, HttpResponse<byte[]> resp, Throwable err) {
    inFlight = false;
    if (event == AnnounceRequest.Event.STOPPED) {
      return;
    }
    String problem = null;
    if (err != null) {
      problem = err.toString();
    } else if (resp.statusCode() != 200) {
      problem = "HTTP " + resp.statusCode();
    } else {
      try {
        AnnounceResponse r = AnnounceResponse.decode(resp.body());
        if (r.failureReason() != null) {
          problem = "tracker: " + r.failureReason();
        } else {
          failures = 0;
          intervalSeconds = Math.max(r.interval(), 5);
          minIntervalSeconds = r.minInterval();
          nextAnnounceNanos =
              nextAnnounceNanos == 0 ? 0 : System.nanoTime() + intervalSeconds * SECOND;
          torrent.addTrackerPeers(r.peers());
          return;
        }
      } catch (AnnounceException e) {
        problem = e.getMessage();
      }
    }
    failures++;
    double backoff = Math.min(300, 5L << Math.min(failures, 6)) * spread;
    nextAnnounceNanos = System.nanoTime() + (long) (backoff * SECOND);
    LOG.info("announce failed (" + problem + "), retry in " + Math.round(backoff) + " s");
  }

  /**
   * Uploads were switched on or off: tell the tracker now, not at the next interval, so that it
   * stops handing our address out (or starts) within a second. An announce already on its way
   * carries the old state, so another one follows its answer.
   */
  void uploadChanged() {
    if (!torrent.live()) {
      return;
    }
    if (inFlight) {
      nextAnnounceNanos = 0;
    } else {
      announce(AnnounceRequest.Event.NONE);
    }
  }

  /** All peers left: ask again soon (that is how a restarted seeder is found again). */
  void peersGone() {
    emptyAnnounces = 0;
  }

  /** A factor in [1 - JITTER, 1 + JITTER] from a uniform draw in [0, 1). */
  static double spread(double uniform) {
    return 1 + (2 * uniform - 1) * JITTER;
  }

  /**
   * Seconds to wait before asking again after {@code emptyAnnounces} announces found no peers while
   * we still need data: 3 s, 6 s, 12 s ... up to a minute, spread, but never below the tracker's
   * min interval (capped at 30 s so that a restarted seeder is found quickly).
   */
  static double emptySwarmGap(int emptyAnnounces, int minIntervalSeconds, double spread) {
    double gap = Math.min(60, 3L << Math.min(emptyAnnounces, 5)) * spread;
    return Math.max(gap, Math.min(minIntervalSeconds, 30));
  }

  void tick(long now) {
    if (inFlight || !torrent.live()) {
      return;
    }
    if (torrent.peers.isEmpty() && !torrent.isComplete()) {
      double gap = emptySwarmGap(emptyAnnounces, minIntervalSeconds, spread);
      if (now - lastAnnounceNanos >= (long) (gap * SECOND)) {
        emptyAnnounces++;
        announce(AnnounceRequest.Event.NONE);
        return;
      }
    } else if (!torrent.peers.isEmpty()) {
      emptyAnnounces = 0;
    }
    if (now >= nextAnnounceNanos) {
      announce(AnnounceRequest.Event.NONE);
    }
  }
}
