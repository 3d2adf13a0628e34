package dev.shoal.swarm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An HTTP origin with single-range support (JDK HttpServer), serving one file. */
final class OriginServer implements AutoCloseable {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");
  private final HttpServer server;
  private final Path file;
  final AtomicInteger rangeRequests = new AtomicInteger();
  final AtomicLong bytesServed = new AtomicLong();

  OriginServer(Path file) throws IOException {
    this.file = file;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/packs/");
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String name = file.getFileName().toString();
      if (!ex.getRequestURI().getPath().equals("/packs/" + name)) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      String range = ex.getRequestHeaders().getFirst("Range");
      Matcher m = range == null ? null : RANGE.matcher(range);
      if (m == null || !m.matches()) {
        ex.sendResponseHeaders(416, -1);
        return;
      }
      long start = Long.parseLong(m.group(1));
      long end = Math.min(Long.parseLong(m.group(2)), Files.size(file) - 1);
      byte[] body = new byte[(int) (end - start + 1)];
      try (var ch = java.nio.channels.FileChannel.open(file)) {
        ch.read(java.nio.ByteBuffer.wrap(body), start);
      }
      rangeRequests.incrementAndGet();
      bytesServed.addAndGet(body.length);
      ex.getResponseHeaders()
          .add("Content-Range", "bytes " + start + "-" + end + "/" + Files.size(file));
      ex.sendResponseHeaders(206, body.length);
      ex.getResponseBody().write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
