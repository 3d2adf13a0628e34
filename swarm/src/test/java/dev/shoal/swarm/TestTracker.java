package dev.shoal.swarm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.shoal.protocol.torrent.AnnounceException;
import dev.shoal.protocol.torrent.AnnounceRequest;
import dev.shoal.protocol.torrent.AnnounceResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A minimal real HTTP tracker for tests: {@code /{passkey}/announce} or {@code
 * /announce?passkey=...}, compact responses, built on our own protocol classes.
 */
final class TestTracker implements AutoCloseable {
  /** One announce; {@code upload} is false when the client said {@code upload=0} (leech-only). */
  record Seen(
      String passkey, AnnounceRequest.Event event, long left, boolean upload, String query) {
    /** The value of a query parameter, or null. */
    String param(String name) {
      for (String kv : query.split("&")) {
        if (kv.startsWith(name + "=")) {
          return kv.substring(name.length() + 1);
        }
      }
      return null;
    }
  }

  private final HttpServer server;
  private final Map<String, Map<String, InetSocketAddress>> swarms = new ConcurrentHashMap<>();
  final List<Seen> announces = new CopyOnWriteArrayList<>();
  volatile int interval = 30;

  TestTracker() throws IOException {
    this(new InetSocketAddress("127.0.0.1", 0));
  }

  /** On {@code bind}: a namespace's address, for a client in another namespace. */
  TestTracker(InetSocketAddress bind) throws IOException {
    server = HttpServer.create(bind, 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url(String passkey) {
    return "http://"
        + server.getAddress().getHostString()
        + ":"
        + server.getAddress().getPort()
        + "/announce?passkey="
        + passkey;
  }

  String pathUrl(String passkey) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + passkey + "/announce";
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    String query = ex.getRequestURI().getRawQuery();
    String passkey = null;
    if (path.equals("/announce") && query != null) {
      for (String kv : query.split("&")) {
        if (kv.startsWith("passkey=")) {
          passkey = kv.substring(8);
        }
      }
    } else if (path.matches("/[A-Za-z0-9]+/announce")) {
      passkey = path.split("/")[1];
    }
    byte[] body;
    if (passkey == null) {
      body = AnnounceResponse.failure("missing passkey").encode();
    } else {
      body = announce(passkey, query, ex.getRemoteAddress()).encode();
    }
    ex.sendResponseHeaders(200, body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  private AnnounceResponse announce(String passkey, String query, InetSocketAddress remote) {
    AnnounceRequest r;
    try {
      r = AnnounceRequest.parse(query);
    } catch (AnnounceException e) {
      return AnnounceResponse.failure(e.getMessage());
    }
    boolean upload = !List.of(query.split("&")).contains("upload=0");
    announces.add(new Seen(passkey, r.event(), r.left(), upload, query));
    var swarm =
        swarms.computeIfAbsent(
            HexFormat.of().formatHex(r.infoHash()), k -> new ConcurrentHashMap<>());
    String id = HexFormat.of().formatHex(r.peerId());
    if (r.event() == AnnounceRequest.Event.STOPPED) {
      swarm.remove(id);
    } else {
      swarm.put(id, new InetSocketAddress(remote.getAddress(), r.port()));
    }
    List<InetSocketAddress> others = new ArrayList<>();
    swarm.forEach(
        (k, v) -> {
          if (!k.equals(id)) {
            others.add(v);
          }
        });
    return new AnnounceResponse(interval, 1, others, null);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
