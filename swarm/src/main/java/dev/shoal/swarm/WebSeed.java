package dev.shoal.swarm;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * BEP 19 style HTTP origin: whole pieces fetched with Range requests into the same verification
 * path as peer data. Origin bytes are charged to the download caps before the request goes out.
 */
final class WebSeed {
  private static final Logger LOG = Logger.getLogger(WebSeed.class.getName());
  private static final int MAX_IN_FLIGHT = 2;

  private final Torrent torrent;
  private final List<URI> urls;
  // Where each URL last redirected to (a content-addressed URL with a short-lived token, perhaps on
  // a CDN): used until it is refused (the token expired), then the URL is asked again.
  private final URI[] redirected;
  // Whether that redirect has served a piece: one refused before it ever did is not retried at
  // once.
  private final boolean[] redirectServed;
  private int inFlight;
  private int next;
  private long backoffUntilNanos;
  private int badPieces;

  WebSeed(Torrent torrent, List<URI> urls) {
    this.torrent = torrent;
    this.urls =
        urls.stream()
            .map(
                u ->
                    u.toString().endsWith("/")
                        ? URI.create(
                            u
                                + URLEncoder.encode(torrent.meta.name(), StandardCharsets.UTF_8)
                                    .replace("+", "%20"))
                        : u)
            .toList();
    this.redirected = new URI[this.urls.size()];
    this.redirectServed = new boolean[this.urls.size()];
  }

  /** Starts origin fetches: any missing piece when {@code anyPiece}, else only unavailable ones. */
  void fill(long now, boolean anyPiece) {
    if (now < backoffUntilNanos) {
      return;
    }
    Engine engine = torrent.engine;
    while (inFlight < MAX_IN_FLIGHT) {
      long tokens = Math.min(engine.downBucket.available(), torrent.downBucket.available());
      if (tokens <= 0) {
        return;
      }
      int piece = torrent.pickForOrigin(anyPiece);
      if (piece < 0) {
        return;
      }
      fetch(piece);
    }
  }

  private void fetch(int piece) {
    Engine engine = torrent.engine;
    int size = torrent.meta.pieceSize(piece);
    long start = (long) piece * torrent.meta.pieceLength();
    engine.downBucket.consume(size);
    torrent.downBucket.consume(size);
    int source = next++ % urls.size();
    URI uri = redirected[source] != null ? redirected[source] : urls.get(source);
    HttpRequest req =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .header("Range", "bytes=" + start + "-" + (start + size - 1))
            .header("User-Agent", engine.config.userAgent())
            .GET()
            .build();
    inFlight++;
    engine
        .http()
        .sendAsync(req, info -> new BoundedBody(size))
        // The request timeout covers the headers only: a body that drips is cut off too, after
        // 30 s plus the piece at 16 KiB/s.
        .orTimeout(30 + size / (16 << 10), TimeUnit.SECONDS)
        .whenComplete(
            (resp, err) -> {
              byte[] body = accept(resp, err, start, size);
              engine.execute(
                  () -> {
                    if (body == null && resp != null && follow(source, uri, resp)) {
                      inFlight--;
                      torrent.onOriginPiece(piece, null); // asked again, at once, where told
                    } else {
                      if (body != null && redirected[source] != null) {
                        redirectServed[source] = true;
                      }
                      done(piece, body);
                    }
                  });
            });
  }

  /**
   * Follows one redirect of a URL (never a redirect's redirect), and forgets a redirect whose
   * target refuses (401/403: its token expired). True when the piece should be asked again now.
   */
  private boolean follow(int source, URI asked, HttpResponse<?> resp) {
    int status = resp.statusCode();
    boolean fromOriginal = redirected[source] == null;
    if (fromOriginal && (status == 302 || status == 303 || status == 307 || status == 308)) {
      var location = resp.headers().firstValue("Location");
      if (location.isPresent()) {
        try {
          redirected[source] = asked.resolve(location.get());
          redirectServed[source] = false;
          return true;
        } catch (IllegalArgumentException e) {
          return false;
        }
      }
    }
    if (!fromOriginal && (status == 401 || status == 403)) {
      redirected[source] = null;
      return redirectServed[source];
    }
    return false;
  }

  /** The piece bytes, or null. A 200 is only usable when the "range" is the whole file. */
  private static byte[] accept(HttpResponse<byte[]> resp, Throwable err, long start, int size) {
    if (err != null || resp == null || resp.body() == null) {
      return null;
    }
    byte[] body = resp.body();
    boolean partial = resp.statusCode() == 206 && body.length == size;
    boolean whole = resp.statusCode() == 200 && start == 0 && body.length == size;
    return partial || whole ? body : null;
  }

  /**
   * Collects at most {@code limit} bytes: an origin (or anything posing as one) that sends more
   * than the range asked for is cut off at once, and the answer is null. Memory per fetch is
   * bounded by the piece size, whatever the other side sends.
   */
  static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final byte[] data;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;
    private int length;

    BoundedBody(int limit) {
      this.data = new byte[limit];
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      for (ByteBuffer b : items) {
        if (b.remaining() > data.length - length) {
          subscription.cancel();
          result.complete(null); // longer than asked: not the piece
          return;
        }
        int n = b.remaining();
        b.get(data, length, n);
        length += n;
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(length == data.length ? data : Arrays.copyOf(data, length));
    }
  }

  /** Called when an origin piece failed verification: pause the origin, doubling up to 60 s. */
  void backOff() {
    badPieces++;
    long seconds = Math.min(60, 1L << Math.min(badPieces, 6));
    backoffUntilNanos = System.nanoTime() + seconds * 1_000_000_000L;
  }

  private void done(int piece, byte[] body) {
    inFlight--;
    if (body == null) {
      LOG.info("web seed failed for piece " + piece);
      backoffUntilNanos = System.nanoTime() + 2_000_000_000L;
    }
    torrent.onOriginPiece(piece, body);
  }
}
