package dev.shoal.testkit.hostile;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A man in the middle between the real agent and the real control plane: a JDK {@link HttpServer}
 * on 127.0.0.1 that forwards every request unchanged (raw path, query, signed headers, body) to the
 * control plane and hands the answer back, except where a test installed a {@link Rule} for that
 * request. Rules see the request and may forward it (changed or not), change the answer, or answer
 * on their own, including with a body that never ends. Every genuine answer is remembered by path,
 * so a test can later replay what the control plane said earlier (an older manifest, another pack's
 * torrent).
 */
public final class HostileProxy implements AutoCloseable {
  /** The device manifest: {@code group(1)} product, {@code group(2)} channel. */
  static final Pattern MANIFEST =
      Pattern.compile("/api/v1/device/products/([^/]+)/channels/([^/]+)/manifest");

  /** A pack's torrent: {@code group(1)} the info hash. */
  static final Pattern TORRENT = Pattern.compile("/api/v1/device/packs/([0-9a-f]{40})/torrent");

  static final Pattern CONTENT_KEY = Pattern.compile("/api/v1/device/products/([^/]+)/content-key");
  static final Pattern TRUST_ROOT = Pattern.compile("/api/v1/trust-root");
  static final Pattern ROTATIONS = Pattern.compile("/api/v1/trust-root/rotations");

  /** Origin range requests: {@code group(1)} passkey, {@code group(2)} info hash. */
  public static final Pattern ORIGIN = Pattern.compile("/origin/([^/]+)/packs/([0-9a-f]{40})");

  /** Restricted or hop-by-hop: the JDK client sets these itself. */
  private static final Set<String> NOT_FORWARDED =
      Set.of(
          "connection",
          "content-length",
          "expect",
          "host",
          "upgrade",
          "keep-alive",
          "transfer-encoding",
          "te",
          "trailer",
          "date");

  /** What the agent sent. */
  public record Request(
      String method,
      String rawPath,
      String rawQuery,
      Map<String, List<String>> headers,
      byte[] body) {
    Matcher match(Pattern p) {
      Matcher m = p.matcher(rawPath);
      return m.matches() ? m : null;
    }

    boolean is(Pattern p) {
      return p.matcher(rawPath).matches();
    }

    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
          return e.getValue().get(0);
        }
      }
      return null;
    }

    /** The same request for another path (only for unsigned requests: origin, public roots). */
    Request withPath(String path) {
      return new Request(method, path, rawQuery, headers, body);
    }
  }

  /** An answer: genuine (from the control plane) or made up. */
  public record Reply(
      int status, Map<String, List<String>> headers, byte[] body, BodyWriter stream) {
    public static Reply of(int status, String contentType, byte[] body) {
      Map<String, List<String>> h = new LinkedHashMap<>();
      h.put("Content-Type", List.of(contentType));
      return new Reply(status, h, body, null);
    }

    /** An answer whose body is written by {@code stream} (chunked, any length, maybe endless). */
    static Reply streaming(int status, String contentType, BodyWriter stream) {
      Map<String, List<String>> h = new LinkedHashMap<>();
      h.put("Content-Type", List.of(contentType));
      return new Reply(status, h, null, stream);
    }

    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
          return e.getValue().get(0);
        }
      }
      return null;
    }

    Reply withBody(byte[] newBody) {
      return new Reply(status, headers, newBody, null);
    }

    Reply withHeader(String name, String value) {
      Map<String, List<String>> h = new LinkedHashMap<>(headers);
      h.keySet().removeIf(k -> k.equalsIgnoreCase(name));
      h.put(name, List.of(value));
      return new Reply(status, h, body, stream);
    }
  }

  @FunctionalInterface
  interface BodyWriter {
    void write(OutputStream out) throws IOException;
  }

  /** The way to the real control plane. */
  @FunctionalInterface
  public interface Upstream {
    Reply forward(Request request) throws IOException, InterruptedException;
  }

  /** What the attacker does with one kind of request. */
  @FunctionalInterface
  public interface Rule {
    Reply handle(Request request, Upstream upstream) throws Exception;
  }

  private record Installed(Predicate<Request> when, Rule rule) {}

  private final URI upstream;
  private final HttpServer server;
  private final ExecutorService workers = Executors.newCachedThreadPool();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private final List<Installed> rules = new CopyOnWriteArrayList<>();
  private final Map<String, Reply> genuine = new ConcurrentHashMap<>();
  private final List<String> log = new CopyOnWriteArrayList<>();

  public HostileProxy(String upstreamBaseUrl) {
    this.upstream = URI.create(upstreamBaseUrl.replaceAll("/+$", ""));
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(workers);
    server.createContext("/", this::serve);
    server.start();
  }

  /** The control plane URL to give the agent: plain http on loopback, which it accepts. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Installs a rule for the requests whose raw path matches; the latest rule wins. */
  public void on(Pattern path, Rule rule) {
    on(r -> r.is(path), rule);
  }

  void on(Predicate<Request> when, Rule rule) {
    rules.add(0, new Installed(when, rule));
  }

  /** What an attacker does to one range (206 answer) of the origin. */
  @FunctionalInterface
  interface RangeTamper {
    Reply tamper(Request request, Reply genuine) throws Exception;
  }

  /**
   * Lets {@code tamper} rewrite the first {@code times} ranges (206 answers) the origin serves;
   * every other origin answer passes unchanged. Returns the Range header of every origin request,
   * in the order they come.
   */
  List<String> tamperWithOriginRanges(int times, RangeTamper tamper) {
    AtomicInteger budget = new AtomicInteger(times);
    List<String> ranges = new CopyOnWriteArrayList<>();
    on(
        ORIGIN,
        (req, up) -> {
          Reply genuine = up.forward(req);
          ranges.add(req.header("Range"));
          if (genuine.status() != 206 || budget.getAndDecrement() <= 0) {
            return genuine;
          }
          return tamper.tamper(req, genuine);
        });
    return ranges;
  }

  /** Back to an honest proxy. */
  void clearRules() {
    rules.clear();
  }

  /** The last genuine 2xx answer the control plane gave for this raw path, if any. */
  Reply genuine(String rawPath) {
    Reply r = genuine.get(rawPath);
    if (r == null) {
      throw new AssertionError("the control plane never answered " + rawPath + "; saw " + log);
    }
    return r;
  }

  /** "METHOD path" of every request so far, in order. */
  List<String> requests() {
    return new ArrayList<>(log);
  }

  private void serve(HttpExchange ex) throws IOException {
    try (ex) {
      URI uri = ex.getRequestURI();
      Map<String, List<String>> headers = new LinkedHashMap<>();
      ex.getRequestHeaders().forEach((k, v) -> headers.put(k, List.copyOf(v)));
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readAllBytes();
      }
      Request request =
          new Request(ex.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(), headers, body);
      log.add(request.method() + " " + request.rawPath());
      Reply reply;
      try {
        reply = ruleFor(request).handle(request, this::forward);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        reply = Reply.of(502, "text/plain", ("proxy: " + e).getBytes());
      }
      write(ex, request, reply);
    } catch (IOException e) {
      // the agent hung up (e.g. on an endless body): that is its right
    }
  }

  private Rule ruleFor(Request request) {
    for (Installed i : rules) {
      if (i.when().test(request)) {
        return i.rule();
      }
    }
    return (r, up) -> up.forward(r);
  }

  private Reply forward(Request request) throws IOException, InterruptedException {
    String target =
        upstream + request.rawPath() + (request.rawQuery() == null ? "" : "?" + request.rawQuery());
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(target))
            .timeout(Duration.ofSeconds(60))
            .method(
                request.method(),
                request.body().length == 0
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(request.body()));
    request
        .headers()
        .forEach(
            (name, values) -> {
              if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> b.header(name, v));
              }
            });
    HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    Map<String, List<String>> headers = new LinkedHashMap<>();
    r.headers()
        .map()
        .forEach(
            (name, values) -> {
              if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                headers.put(name, values);
              }
            });
    Reply reply = new Reply(r.statusCode(), headers, r.body(), null);
    if (r.statusCode() / 100 == 2 && request.method().equals("GET")) {
      genuine.put(request.rawPath(), reply);
    } else if (r.statusCode() / 100 == 2 && request.method().equals("POST")) {
      genuine.put("POST " + request.rawPath(), reply);
    }
    return reply;
  }

  private static void write(HttpExchange ex, Request request, Reply reply) throws IOException {
    reply.headers().forEach((name, values) -> ex.getResponseHeaders().put(name, values));
    boolean noBody =
        request.method().equals("HEAD") || reply.status() == 204 || reply.status() == 304;
    if (reply.stream() != null) {
      ex.sendResponseHeaders(reply.status(), 0); // chunked
      try (OutputStream out = ex.getResponseBody()) {
        reply.stream().write(out);
      }
    } else if (noBody || reply.body() == null || reply.body().length == 0) {
      ex.sendResponseHeaders(reply.status(), -1);
    } else {
      ex.sendResponseHeaders(reply.status(), reply.body().length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(reply.body());
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    workers.shutdownNow();
  }
}
