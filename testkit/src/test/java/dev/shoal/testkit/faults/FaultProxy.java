package dev.shoal.testkit.faults;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP reverse proxy on loopback in front of the control plane, passing every request
 * through byte for byte (method, raw path and query, headers, body: device signatures stay valid),
 * until told to make the origin fail: then every {@code /origin/...} request is answered 503 and
 * nothing reaches the control plane's origin. Agents enrolled with {@link #url()} reach the control
 * plane (and its origin) only through it.
 */
final class FaultProxy implements AutoCloseable {
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "content-length",
          "expect",
          "host",
          "keep-alive",
          "proxy-connection",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade");

  private final String target;
  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final HttpClient client =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private volatile boolean refuseOrigin;
  private final AtomicInteger originRefused = new AtomicInteger();
  private final AtomicInteger originForwarded = new AtomicInteger();
  private final AtomicLong originBytesForwarded = new AtomicLong();

  /**
   * @param target the control plane's base URL, e.g. {@code http://localhost:41234}
   */
  FaultProxy(String target) throws IOException {
    this.target = target.endsWith("/") ? target.substring(0, target.length() - 1) : target;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.createContext("/", this::handle);
    server.setExecutor(threads);
    server.start();
  }

  /** The URL to give agents as their control plane. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  /** From now on, {@code /origin/...} answers 503 and is not forwarded. */
  void refuseOrigin() {
    refuseOrigin = true;
  }

  /** Origin requests answered 503 by the proxy. */
  int originRefused() {
    return originRefused.get();
  }

  /** Origin requests forwarded to the control plane (and answered by it). */
  int originForwarded() {
    return originForwarded.get();
  }

  long originBytesForwarded() {
    return originBytesForwarded.get();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      String query = ex.getRequestURI().getRawQuery();
      boolean origin = path.startsWith("/origin/");
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readAllBytes();
      }
      if (origin && refuseOrigin) {
        originRefused.incrementAndGet();
        ex.sendResponseHeaders(503, -1);
        return;
      }
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(target + path + (query == null ? "" : "?" + query)))
              .timeout(Duration.ofSeconds(60))
              .method(
                  ex.getRequestMethod(),
                  body.length == 0
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofByteArray(body));
      ex.getRequestHeaders()
          .forEach(
              (name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                  values.forEach(v -> request.header(name, v));
                }
              });
      HttpResponse<byte[]> response;
      try {
        response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (IOException e) {
        ex.sendResponseHeaders(502, -1);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ex.sendResponseHeaders(502, -1);
        return;
      }
      response
          .headers()
          .map()
          .forEach(
              (name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                  ex.getResponseHeaders().put(name, List.copyOf(values));
                }
              });
      byte[] out = response.body();
      if (origin) {
        originForwarded.incrementAndGet();
        originBytesForwarded.addAndGet(out.length);
      }
      boolean noBody =
          out.length == 0
              || ex.getRequestMethod().equals("HEAD")
              || response.statusCode() == 204
              || response.statusCode() == 304;
      ex.sendResponseHeaders(response.statusCode(), noBody ? -1 : out.length);
      if (!noBody) {
        ex.getResponseBody().write(out);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
