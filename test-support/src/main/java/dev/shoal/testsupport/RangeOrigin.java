package dev.shoal.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real HTTP origin on loopback (the JDK's HttpServer) serving one file under {@code /packs/}, as
 * a web seed or a CDN would: single byte ranges only, counting what it served.
 */
public final class RangeOrigin implements AutoCloseable {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");

  private final HttpServer server;
  private final ExecutorService pool = Executors.newFixedThreadPool(4);
  private final Path file;
  private final AtomicInteger rangeRequests = new AtomicInteger();
  private final AtomicLong bytesServed = new AtomicLong();

  public RangeOrigin(Path file) {
    this.file = file;
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::handle);
    server.setExecutor(pool);
    server.start();
  }

  /** The base URI the file is under ({@code http://127.0.0.1:port/packs/}). */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/packs/");
  }

  /** Range requests answered with 206 so far. */
  public int rangeRequests() {
    return rangeRequests.get();
  }

  /** Body bytes served so far. */
  public long bytesServed() {
    return bytesServed.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals("/packs/" + file.getFileName())) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      long size = Files.size(file);
      String range = exchange.getRequestHeaders().getFirst("Range");
      Matcher m = range == null ? null : RANGE.matcher(range);
      if (m == null || !m.matches()) {
        exchange.sendResponseHeaders(416, -1);
        return;
      }
      long start = Long.parseLong(m.group(1));
      long end = Math.min(Long.parseLong(m.group(2)), size - 1);
      if (start > end) {
        exchange.sendResponseHeaders(416, -1);
        return;
      }
      byte[] body = new byte[(int) (end - start + 1)];
      try (FileChannel channel = FileChannel.open(file)) {
        channel.read(ByteBuffer.wrap(body), start);
      }
      rangeRequests.incrementAndGet();
      bytesServed.addAndGet(body.length);
      exchange.getResponseHeaders().add("Content-Range", "bytes " + start + "-" + end + "/" + size);
      exchange.sendResponseHeaders(206, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
