package dev.shoal.agent.localapi;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.shoal.agent.bandwidth.BandwidthPolicy;
import dev.shoal.agent.consent.ConsentLedger;
import dev.shoal.agent.consent.ConsentRefusedException;
import dev.shoal.agent.controlplane.EnrolmentStore;
import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.install.Installs;
import dev.shoal.agent.json.Json;
import dev.shoal.agent.localapi.Gatekeeper.Caller;
import dev.shoal.agent.status.StatusPage;
import dev.shoal.agent.status.StatusReporter;
import dev.shoal.agent.threads.DaemonThreads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;

/**
 * The agent's HTTP API and status page on 127.0.0.1 (see {@code local-api.yaml} and README.md for
 * the security model). Starting it publishes port and a fresh 256-bit token in {@code
 * local-api.json}; closing it deletes that file.
 */
public final class LocalApiServer implements AutoCloseable {
  private static final String CSP_TEMPLATE =
      "default-src 'none'; script-src 'nonce-%1$s'; style-src 'nonce-%1$s'; connect-src 'self'; "
          + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  /** Threads for exchanges at once before the slowest half-sent request is dropped. */
  private static final int MAX_THREADS = 32;

  private final HttpServer server;
  private final ExchangeThreads workers;
  private final DataDir dataDir;
  private final int maxBodyBytes;
  private final Router router = new Router();
  private final Sessions sessions = new Sessions(Clock.systemUTC());
  private final StatusReporter reporter;
  private final EventStream events;
  private Gatekeeper gate;

  private LocalApiServer(
      HttpServer server, DataDir dataDir, int maxBodyBytes, StatusReporter reporter) {
    this.server = server;
    this.dataDir = dataDir;
    this.maxBodyBytes = maxBodyBytes;
    this.reporter = reporter;
    this.events = new EventStream(() -> Json.MAPPER.writeValueAsString(reporter.status()));
    this.workers = new ExchangeThreads(MAX_THREADS, DaemonThreads.numbered("shoal-local-api"));
  }

  /** Binds 127.0.0.1:{@code port} (0 = random), writes local-api.json and starts serving. */
  public static LocalApiServer start(
      int port,
      int maxBodyBytes,
      DataDir dataDir,
      BandwidthPolicy policy,
      ConsentLedger consent,
      StatusReporter reporter,
      EnrolmentStore enrolments,
      Installs installs) {
    limitRequestTime();
    HttpServer http;
    try {
      http = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 32);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind the local API on 127.0.0.1:" + port, e);
    }
    LocalApiServer s = new LocalApiServer(http, dataDir, maxBodyBytes, reporter);
    int bound = http.getAddress().getPort();
    String token = s.sessions.randomToken(32);
    s.gate = new Gatekeeper(bound, token, s.sessions);
    new Endpoints(policy, consent, reporter, s.sessions, s.events, bound).register(s.router);
    new InstallEndpoints(enrolments, installs, reporter.status().deviceId()).register(s.router);
    policy.addListener(l -> s.events.nudge());
    consent.addListener(r -> s.events.nudge());
    http.createContext("/", s::handle);
    http.setExecutor(s.workers);
    dataDir.writeAtomically(
        dataDir.localApiFile(),
        Json.MAPPER.writeValueAsString(
            new LocalApiFile(bound, token, ProcessHandle.current().pid())));
    http.start();
    return s;
  }

  /**
   * A request whose headers and body take longer than this is dropped, so half-sent requests do not
   * hold threads for ever ({@link ExchangeThreads} keeps them from delaying anyone meanwhile).
   * JDK-wide and read once, when the first HttpServer is created; an explicit -D setting wins.
   * Responses (event streams) are not limited.
   */
  private static void limitRequestTime() {
    if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
      System.setProperty("sun.net.httpserver.maxReqTime", "10");
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(dataDir.localApiFile());
    } catch (IOException e) {
      // A stale file is detected by the CLI (connection refused), so this is not fatal.
    }
    events.close();
    server.stop(0);
    workers.close();
  }

  private void handle(HttpExchange ex) {
    workers.headersRead();
    ApiResponse resp;
    try {
      resp = dispatch(ex);
    } catch (ApiException e) {
      resp = ApiResponse.problem(Problem.of(e.code, e.getMessage()));
    } catch (ConsentRefusedException e) {
      resp = ApiResponse.problem(Problem.of(ProblemCode.CONFLICT, e.getMessage()));
    } catch (IllegalArgumentException | JacksonException e) {
      resp = ApiResponse.problem(Problem.of(ProblemCode.BAD_REQUEST, e.getMessage()));
    } catch (UncheckedIOException e) {
      resp = ApiResponse.problem(ioProblem(e));
    } catch (IOException e) {
      resp = ApiResponse.problem(ioProblem(new UncheckedIOException(e)));
    } catch (RuntimeException e) {
      resp = ApiResponse.problem(Problem.of(ProblemCode.INTERNAL, "unexpected error: " + e));
    }
    if (resp != ApiResponse.HANDLED) {
      write(ex, resp);
    }
  }

  private ApiResponse dispatch(HttpExchange ex) throws IOException {
    gate.checkHostAndOrigin(ex.getRequestHeaders());
    String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
    URI uri = ex.getRequestURI();
    String path = uri.getRawPath();
    Map<String, String> query = parseQuery(uri.getRawQuery());
    if (path.equals("/") && method.equals("GET")) {
      return statusPage(ex, query);
    }
    Router.Match m = router.match(method, path);
    Caller caller = gate.identify(ex.getRequestHeaders());
    if (!m.found()) {
      return notFound(caller, m);
    }
    authorize(m.route().access(), caller, ex, method);
    byte[] body = readBody(ex);
    return m.route().handler().handle(new ApiRequest(ex, method, path, m.params(), query, body));
  }

  private ApiResponse notFound(Caller caller, Router.Match m) {
    if (caller == Caller.NONE) {
      throw unauthorized();
    }
    if (!m.allowedMethods().isEmpty()) {
      ApiResponse p =
          ApiResponse.problem(
              Problem.of(ProblemCode.METHOD_NOT_ALLOWED, "allowed: " + m.allowedMethods()));
      return new ApiResponse(
          p.status(),
          p.contentType(),
          p.body(),
          Map.of("Allow", String.join(", ", m.allowedMethods())));
    }
    throw new ApiException(ProblemCode.NOT_FOUND, "no such endpoint");
  }

  private void authorize(Router.Access access, Caller caller, HttpExchange ex, String method) {
    boolean ok =
        switch (access) {
          case PUBLIC -> true;
          case TOKEN -> caller == Caller.TOKEN;
          case TOKEN_OR_SESSION -> caller != Caller.NONE;
        };
    if (!ok) {
      throw unauthorized();
    }
    if (caller == Caller.SESSION) {
      gate.checkSessionWrite(ex.getRequestHeaders(), method);
    }
  }

  private static ApiException unauthorized() {
    return new ApiException(
        ProblemCode.UNAUTHORIZED, "send Authorization: Bearer <token from local-api.json>");
  }

  private ApiResponse statusPage(HttpExchange ex, Map<String, String> query) {
    String nonce = sessions.randomToken(16);
    String csp = String.format(CSP_TEMPLATE, nonce);
    if (query.containsKey("session")) {
      return sessions
          .redeem(query.get("session"))
          .map(id -> ApiResponse.redirect("/", Map.of("Set-Cookie", cookie(id))))
          .orElseGet(
              () ->
                  ApiResponse.html(
                      401,
                      StatusPage.signInNeeded(nonce, "This link has expired or was already used."),
                      csp,
                      Map.of()));
    }
    if (gate.identify(ex.getRequestHeaders()) == Caller.NONE) {
      return ApiResponse.html(
          401, StatusPage.signInNeeded(nonce, "You are not signed in."), csp, Map.of());
    }
    String page = StatusPage.render(reporter.status(), nonce, dataDir.root().toString());
    return ApiResponse.html(200, page, csp, Map.of());
  }

  private String cookie(String sessionId) {
    return gate.cookieName()
        + "="
        + sessionId
        + "; Path=/; HttpOnly; SameSite=Strict; Max-Age="
        + Sessions.SESSION_TTL.toSeconds();
  }

  /** Bodies are hostile: refuse big ones before reading them, and never read past the limit. */
  private byte[] readBody(HttpExchange ex) throws IOException {
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    if (declared != null && parseLength(declared) > maxBodyBytes) {
      throw tooLarge();
    }
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readNBytes(maxBodyBytes + 1);
    }
    if (body.length > maxBodyBytes) {
      throw tooLarge();
    }
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    if (body.length > 0
        && (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json"))) {
      throw new ApiException(ProblemCode.UNSUPPORTED_MEDIA_TYPE, "bodies must be application/json");
    }
    return body;
  }

  private static long parseLength(String v) {
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new ApiException(ProblemCode.BAD_REQUEST, "invalid Content-Length");
    }
  }

  private ApiException tooLarge() {
    return new ApiException(
        ProblemCode.PAYLOAD_TOO_LARGE, "request bodies are limited to " + maxBodyBytes + " bytes");
  }

  private static Map<String, String> parseQuery(String raw) {
    Map<String, String> q = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return q;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      q.putIfAbsent(decode(k), decode(v));
    }
    return q;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new ApiException(ProblemCode.BAD_REQUEST, "malformed query string");
    }
  }

  private static Problem ioProblem(UncheckedIOException e) {
    String msg = String.valueOf(e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
    if (msg.contains("No space left") || msg.contains("not enough space")) {
      return Problem.of(ProblemCode.DISK_FULL, "the disk is full: " + e.getMessage());
    }
    if (msg.contains("File name too long")) {
      return Problem.of(ProblemCode.PATH_TOO_LONG, e.getMessage());
    }
    return Problem.of(ProblemCode.INTERNAL, "I/O error: " + e.getMessage());
  }

  private static void write(HttpExchange ex, ApiResponse r) {
    try (ex) {
      var h = ex.getResponseHeaders();
      h.set("Cache-Control", "no-store");
      h.set("X-Content-Type-Options", "nosniff");
      h.set("X-Frame-Options", "DENY");
      h.set("Referrer-Policy", "no-referrer");
      if (r.status() == 401 && r.contentType() != null && r.contentType().contains("problem")) {
        h.set("WWW-Authenticate", "Bearer");
      }
      if (r.contentType() != null) {
        h.set("Content-Type", r.contentType());
      }
      r.headers().forEach(h::set);
      byte[] body = r.body() == null ? new byte[0] : r.body();
      ex.sendResponseHeaders(r.status(), body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(body);
        }
      }
    } catch (IOException e) {
      // The client hung up; nothing to tell it.
    }
  }
}
