package dev.shoal.agent.transfer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.shoal.protocol.torrent.AnnounceResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A real HTTP tracker that answers every announce with a fixed peer list and counts them. */
final class Tracker implements AutoCloseable {
  private final HttpServer server;
  private final List<InetSocketAddress> peers;
  final AtomicInteger announces = new AtomicInteger();

  Tracker(List<InetSocketAddress> peers) throws IOException {
    this.peers = peers;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String announceUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/passkey/announce";
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      announces.incrementAndGet();
      byte[] body = new AnnounceResponse(30, 1, peers, null).encode();
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
