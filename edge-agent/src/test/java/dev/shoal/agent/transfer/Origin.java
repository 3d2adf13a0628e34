package dev.shoal.agent.transfer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real HTTP origin (JDK HttpServer) serving one file under /packs/ with single-range support. */
final class Origin implements AutoCloseable {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");
  private final HttpServer server;
  private final ExecutorService pool = Executors.newFixedThreadPool(4);
  private final Path file;
  final AtomicLong bytesServed = new AtomicLong();

  Origin(Path file) throws IOException {
    this.file = file;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(pool);
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/packs/");
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      if (!ex.getRequestURI().getPath().equals("/packs/" + file.getFileName())) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      long size = Files.size(file);
      String range = ex.getRequestHeaders().getFirst("Range");
      Matcher m = range == null ? null : RANGE.matcher(range);
      if (m == null || !m.matches()) {
        ex.sendResponseHeaders(416, -1);
        return;
      }
      long start = Long.parseLong(m.group(1));
      long end = Math.min(Long.parseLong(m.group(2)), size - 1);
      if (start > end) {
        ex.sendResponseHeaders(416, -1);
        return;
      }
      byte[] body = new byte[(int) (end - start + 1)];
      try (FileChannel ch = FileChannel.open(file)) {
        ch.read(ByteBuffer.wrap(body), start);
      }
      ex.getResponseHeaders().add("Content-Range", "bytes " + start + "-" + end + "/" + size);
      ex.sendResponseHeaders(206, body.length);
      ex.getResponseBody().write(body);
      bytesServed.addAndGet(body.length);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
