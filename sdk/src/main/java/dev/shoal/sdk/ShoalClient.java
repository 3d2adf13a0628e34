package dev.shoal.sdk;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * The Shoal SDK's entry point: a client of the Shoal agent running on the player's computer, over
 * its local API on {@code 127.0.0.1}.
 *
 * <p>Obtain one with {@link #connect()} (default data directory), {@link #connect(Path)} or {@link
 * #start(Path, Path, Duration)}. Every call either returns or throws {@link ShoalException}; the
 * {@code ...Async} variants complete exceptionally with one instead. Instances are thread-safe;
 * share one per process and {@link #close()} it on exit.
 */
public final class ShoalClient implements AutoCloseable {
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private record Endpoint(int port, String token) {
    String base() {
      return "http://127.0.0.1:" + port;
    }
  }

  private final Path dataDir;
  private final HttpClient http;
  private volatile Endpoint endpoint;
  private final Set<EventStream> streams = ConcurrentHashMap.newKeySet();
  private ExecutorService defaultEvents; // guarded by this

  private ShoalClient(Path dataDir, Endpoint endpoint) {
    this.dataDir = dataDir;
    this.endpoint = endpoint;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .proxy(HttpClient.Builder.NO_PROXY)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
  }

  // ---------------------------------------------------------------- finding the agent

  /**
   * The agent's default data directory, by the agent's own rules: {@code %LOCALAPPDATA%\Shoal}
   * (Windows), {@code ~/Library/Application Support/Shoal} (macOS), {@code $XDG_DATA_HOME/shoal} or
   * {@code ~/.local/share/shoal} (others).
   */
  public static Path defaultDataDir() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String home = System.getProperty("user.home");
    if (os.contains("win")) {
      String local = System.getenv("LOCALAPPDATA");
      return Path.of(local != null ? local : home, "Shoal");
    }
    if (os.contains("mac")) {
      return Path.of(home, "Library", "Application Support", "Shoal");
    }
    String xdg = System.getenv("XDG_DATA_HOME");
    return xdg != null && !xdg.isBlank()
        ? Path.of(xdg, "shoal")
        : Path.of(home, ".local", "share", "shoal");
  }

  /** Connects to the agent of the {@linkplain #defaultDataDir() default data directory}. */
  public static ShoalClient connect() {
    return connect(defaultDataDir());
  }

  /**
   * Connects to the agent that owns {@code dataDir}: reads {@code local-api.json} and checks that
   * the agent answers.
   *
   * @throws ShoalException {@link ErrorCode#AGENT_NOT_INSTALLED} if the directory does not exist,
   *     {@link ErrorCode#AGENT_NOT_RUNNING} (retryable) if no agent answers
   */
  public static ShoalClient connect(Path dataDir) {
    Objects.requireNonNull(dataDir, "dataDir");
    if (!Files.isDirectory(dataDir)) {
      throw new ShoalException(
          ErrorCode.AGENT_NOT_INSTALLED, "no Shoal data directory at " + dataDir, false, null);
    }
    ShoalClient client = new ShoalClient(dataDir, readEndpoint(dataDir));
    try {
      client.status();
    } catch (ShoalException e) {
      client.close();
      if (e.code() == ErrorCode.AGENT_NOT_RUNNING) {
        throw e;
      }
      // Something answered on that port but not as our agent would: the file is stale.
      throw new ShoalException(
          ErrorCode.AGENT_NOT_RUNNING,
          "local-api.json in " + dataDir + " looks stale (" + e.getMessage() + ")",
          true,
          e);
    }
    return client;
  }

  /**
   * Connects to the agent of {@code dataDir}, starting {@code executable --data-dir <dataDir> run}
   * first if it does not answer, then waiting up to {@code timeout} for it to publish its token.
   *
   * @throws ShoalException {@link ErrorCode#AGENT_NOT_INSTALLED} if {@code executable} is not an
   *     executable file, {@link ErrorCode#AGENT_NOT_RUNNING} if it did not come up in time
   */
  public static ShoalClient start(Path executable, Path dataDir, Duration timeout) {
    if (!Files.isRegularFile(executable) || !Files.isExecutable(executable)) {
      throw new ShoalException(
          ErrorCode.AGENT_NOT_INSTALLED, "no agent executable at " + executable, false, null);
    }
    try {
      return connect(dataDir);
    } catch (ShoalException e) {
      if (e.code() != ErrorCode.AGENT_NOT_RUNNING && e.code() != ErrorCode.AGENT_NOT_INSTALLED) {
        throw e;
      }
    }
    Process p;
    try {
      p =
          new ProcessBuilder(executable.toString(), "--data-dir", dataDir.toString(), "run")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
    } catch (IOException e) {
      throw new ShoalException(
          ErrorCode.AGENT_NOT_RUNNING, "could not start " + executable + ": " + e, true, e);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    ShoalException last = null;
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new ShoalException(
            ErrorCode.AGENT_NOT_RUNNING,
            "the agent exited with status " + p.exitValue() + " while starting",
            true,
            last);
      }
      if (Files.exists(dataDir.resolve("local-api.json"))) {
        try {
          return connect(dataDir);
        } catch (ShoalException e) {
          last = e;
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new ShoalException(
        ErrorCode.AGENT_NOT_RUNNING, "the agent did not come up within " + timeout, true, last);
  }

  private static Endpoint readEndpoint(Path dataDir) {
    Path file = dataDir.resolve("local-api.json");
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new ShoalException(
          ErrorCode.AGENT_NOT_RUNNING, "the Shoal agent is not running (no " + file + ")", true, e);
    } catch (IOException e) {
      throw new ShoalException(
          ErrorCode.AGENT_NOT_RUNNING, "cannot read " + file + ": " + e, true, e);
    }
    JsonNode n = Wire.parse(text);
    int port = n.path("port").asInt(0);
    String token = Wire.str(n, "token");
    if (port <= 0 || port > 65535 || token == null || token.isEmpty()) {
      throw Wire.protocol(file + " has no valid port and token", null);
    }
    return new Endpoint(port, token);
  }

  /** Re-reads local-api.json; true if the agent now publishes another endpoint. */
  private boolean refreshEndpoint() {
    try {
      Endpoint fresh = readEndpoint(dataDir);
      if (!fresh.equals(endpoint)) {
        endpoint = fresh;
        return true;
      }
    } catch (ShoalException ignored) {
      // keep the old one; the caller reports the original failure
    }
    return false;
  }

  /** The data directory this client reads {@code local-api.json} from. */
  public Path dataDir() {
    return dataDir;
  }

  // ---------------------------------------------------------------- status

  /** The agent's status now. */
  public AgentStatus status() {
    return await(statusAsync());
  }

  /** {@link #status()}, without blocking. */
  public CompletableFuture<AgentStatus> statusAsync() {
    return call("GET", "/v1/status", null, ShoalClient::toStatus);
  }

  private static AgentStatus toStatus(JsonNode n) {
    return Wire.status(n, n.toString());
  }

  /**
   * Delivers the agent's status at once and on every change to {@code listener}, on a single daemon
   * thread owned by this client. Reconnects by itself when the stream drops.
   */
  public Subscription subscribe(StatusListener listener) {
    return subscribe(listener, defaultEventExecutor());
  }

  /**
   * Like {@link #subscribe(StatusListener)}, calling {@code listener} on {@code executor}. With a
   * multi-threaded executor the calls may overlap and arrive out of order.
   */
  public Subscription subscribe(StatusListener listener, Executor executor) {
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(executor, "executor");
    EventStream s = new EventStream(this, listener, executor);
    streams.add(s);
    s.start();
    return s;
  }

  private synchronized Executor defaultEventExecutor() {
    if (defaultEvents == null) {
      defaultEvents =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "shoal-sdk-events");
                t.setDaemon(true);
                return t;
              });
    }
    return defaultEvents;
  }

  void forget(EventStream s) {
    streams.remove(s);
  }

  /** The request for the SSE stream, with the endpoint re-read from disk first. */
  HttpRequest eventRequest() {
    refreshEndpoint();
    Endpoint ep = endpoint;
    return HttpRequest.newBuilder(URI.create(ep.base() + "/v1/events"))
        .header("Authorization", "Bearer " + ep.token())
        .header("Accept", "text/event-stream")
        .GET()
        .build();
  }

  HttpClient http() {
    return http;
  }

  // ---------------------------------------------------------------- consent

  /** The player's current consent answers. */
  public ConsentState consent() {
    return await(consentAsync());
  }

  /** {@link #consent()}, without blocking. */
  public CompletableFuture<ConsentState> consentAsync() {
    return call("GET", "/v1/consent", null, Wire::consent);
  }

  /**
   * The standard text to show before asking about {@code scope}, in {@code locale} (falling back to
   * its language, then English), rendered with the player's current limits.
   */
  public ConsentText consentText(ConsentScope scope, Locale locale) {
    return await(consentTextAsync(scope, locale));
  }

  /** {@link #consentText(ConsentScope, Locale)}, without blocking. */
  public CompletableFuture<ConsentText> consentTextAsync(ConsentScope scope, Locale locale) {
    String path =
        "/v1/consent/texts?scope="
            + scope.name()
            + "&locale="
            + URLEncoder.encode(locale.toLanguageTag(), StandardCharsets.UTF_8);
    return call(
        "GET",
        path,
        null,
        n -> {
          List<ConsentText> texts = new ArrayList<>();
          for (JsonNode t : n.values()) {
            texts.add(Wire.text(t));
          }
          return texts.stream()
              .filter(t -> t.scope() == scope)
              .findFirst()
              .orElseThrow(() -> Wire.protocol("the agent has no text for " + scope, null));
        });
  }

  /**
   * Records that the player said yes to {@code shown}, the text displayed to them. If the limits
   * changed since it was fetched the agent refuses with {@link ErrorCode#CONFLICT}: fetch and show
   * the text again.
   */
  public ConsentRecord grant(ConsentText shown, AskedWhere askedWhere) {
    return await(grantAsync(shown, askedWhere));
  }

  /** {@link #grant(ConsentText, AskedWhere)}, without blocking. */
  public CompletableFuture<ConsentRecord> grantAsync(ConsentText shown, AskedWhere askedWhere) {
    return changeConsent(shown.scope(), "GRANTED", shown.sha256(), askedWhere);
  }

  /** Records that the player withdrew {@code scope}; sharing stops before this returns. */
  public ConsentRecord withdraw(ConsentScope scope, AskedWhere askedWhere) {
    return await(withdrawAsync(scope, askedWhere));
  }

  /** {@link #withdraw(ConsentScope, AskedWhere)}, without blocking. */
  public CompletableFuture<ConsentRecord> withdrawAsync(ConsentScope scope, AskedWhere askedWhere) {
    return changeConsent(scope, "WITHDRAWN", null, askedWhere);
  }

  private CompletableFuture<ConsentRecord> changeConsent(
      ConsentScope scope, String decision, String sha256, AskedWhere askedWhere) {
    var body =
        Wire.object()
            .put("scope", scope.name())
            .put("decision", decision)
            .put("askedWhere", askedWhere.name());
    if (sha256 != null) {
      body.put("textSha256", sha256);
    }
    return call("POST", "/v1/consent", body, Wire::record);
  }

  /**
   * Opens the agent's status page in the player's browser with a one-time link (the token never
   * reaches the browser). Uses {@code xdg-open}, {@code open} or {@code rundll32} depending on the
   * OS.
   *
   * @return the link that was opened (valid once, for 60 seconds)
   */
  public URI openStatusPage() {
    URI link = statusPageLink();
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    List<String> cmd;
    if (os.contains("win")) {
      cmd = List.of("rundll32", "url.dll,FileProtocolHandler", link.toString());
    } else if (os.contains("mac")) {
      cmd = List.of("open", link.toString());
    } else {
      cmd = List.of("xdg-open", link.toString());
    }
    try {
      new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException e) {
      throw new ShoalException(
          ErrorCode.PROTOCOL, "could not open a browser with " + cmd.get(0) + ": " + e, false, e);
    }
    return link;
  }

  /** A one-time status page link (valid once, for 60 seconds), for launchers that open it. */
  public URI statusPageLink() {
    return await(
        call(
            "POST",
            "/v1/session",
            Wire.object(),
            n -> {
              String url = Wire.str(n, "url");
              if (url == null || !url.startsWith("http://127.0.0.1:")) {
                throw Wire.protocol("unexpected status page link: " + url, null);
              }
              return URI.create(url);
            }));
  }

  // ---------------------------------------------------------------- game session, limits, sharing

  /** Switches quiet mode on (no uploads, slow downloads) until the returned session is closed. */
  public GameSession gameStarted() {
    await(setQuietModeAsync(true));
    return new GameSession(this);
  }

  /** Switches quiet mode off. */
  public AgentStatus gameStopped() {
    return await(setQuietModeAsync(false));
  }

  /** Quiet mode on or off, without blocking; completes with the status after the change. */
  public CompletableFuture<AgentStatus> setQuietModeAsync(boolean on) {
    return call("POST", "/v1/quiet-mode", Wire.object().put("on", on), ShoalClient::toStatus);
  }

  /** Pauses or resumes uploading without changing consent (persisted by the agent). */
  public AgentStatus setSharingPaused(boolean paused) {
    return await(
        call("POST", "/v1/sharing", Wire.object().put("paused", paused), ShoalClient::toStatus));
  }

  /** The player's bandwidth settings. */
  public Limits limits() {
    return await(limitsAsync());
  }

  /** {@link #limits()}, without blocking. */
  public CompletableFuture<Limits> limitsAsync() {
    return call("GET", "/v1/limits", null, Wire::limits);
  }

  /** Replaces the player's bandwidth settings; returns those now in force. */
  public Limits setLimits(Limits limits) {
    return await(setLimitsAsync(limits));
  }

  /** {@link #setLimits(Limits)}, without blocking. */
  public CompletableFuture<Limits> setLimitsAsync(Limits limits) {
    return call("PUT", "/v1/limits", Wire.limitsJson(limits), Wire::limits);
  }

  // ---------------------------------------------------------------- plumbing

  private <T> CompletableFuture<T> call(
      String method, String path, JsonNode body, Function<JsonNode, T> map) {
    CompletableFuture<T> result = new CompletableFuture<>();
    send(method, path, body, map, true, result);
    return result;
  }

  private <T> void send(
      String method,
      String path,
      JsonNode body,
      Function<JsonNode, T> map,
      boolean mayRetry,
      CompletableFuture<T> result) {
    Endpoint ep = endpoint;
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(ep.base() + path))
            .timeout(CALL_TIMEOUT)
            .header("Authorization", "Bearer " + ep.token())
            .header("Accept", "application/json");
    if (body != null) {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
        .whenComplete(
            (resp, err) -> {
              try {
                if (err != null) {
                  ShoalException e = translate(err, ep);
                  // Nothing reached an agent: if it restarted elsewhere, try there once.
                  if (mayRetry && unwrap(err) instanceof ConnectException && refreshEndpoint()) {
                    send(method, path, body, map, false, result);
                  } else {
                    result.completeExceptionally(e);
                  }
                  return;
                }
                if (resp.statusCode() / 100 == 2) {
                  result.complete(map.apply(Wire.parse(resp.body())));
                  return;
                }
                ShoalException e = problem(resp.statusCode(), resp.body());
                if (mayRetry && e.code() == ErrorCode.UNAUTHORIZED && refreshEndpoint()) {
                  send(method, path, body, map, false, result);
                } else {
                  result.completeExceptionally(e);
                }
              } catch (ShoalException e) {
                result.completeExceptionally(e);
              } catch (RuntimeException e) {
                result.completeExceptionally(
                    Wire.protocol("unexpected answer from the agent: " + e, e));
              }
            });
  }

  static ShoalException problem(int status, String body) {
    try {
      JsonNode n = Wire.parse(body);
      String code = Wire.str(n, "code");
      String detail = Wire.str(n, "detail");
      String message = detail != null ? detail : Wire.str(n, "title");
      ErrorCode c = code == null ? null : agentCode(code);
      if (c != null) {
        return new ShoalException(
            c, message != null ? message : code, n.path("retryable").asBoolean(false), null);
      }
    } catch (ShoalException notJson) {
      // fall through
    }
    return Wire.protocol("the agent answered HTTP " + status + " without a known problem", null);
  }

  private static ErrorCode agentCode(String code) {
    try {
      ErrorCode c = ErrorCode.valueOf(code);
      return switch (c) {
        case AGENT_NOT_RUNNING, AGENT_NOT_INSTALLED, PROTOCOL -> null;
        default -> c;
      };
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static ShoalException translate(Throwable err, Endpoint ep) {
    Throwable t = unwrap(err);
    if (t instanceof ShoalException s) {
      return s;
    }
    if (t instanceof HttpTimeoutException) {
      return new ShoalException(
          ErrorCode.AGENT_NOT_RUNNING,
          "the Shoal agent did not answer on port " + ep.port() + " in time",
          true,
          t);
    }
    if (t instanceof IOException) {
      return new ShoalException(
          ErrorCode.AGENT_NOT_RUNNING,
          "the Shoal agent does not answer on port " + ep.port() + " (" + t + ")",
          true,
          t);
    }
    return Wire.protocol("unexpected failure talking to the agent: " + t, t);
  }

  static ShoalException translate(Throwable err) {
    Throwable t = unwrap(err);
    if (t instanceof ShoalException s) {
      return s;
    }
    if (t instanceof IOException) {
      return new ShoalException(
          ErrorCode.AGENT_NOT_RUNNING, "lost the Shoal agent (" + t + ")", true, t);
    }
    return Wire.protocol("unexpected failure talking to the agent: " + t, t);
  }

  private static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get();
    } catch (ExecutionException e) {
      throw translate(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(true);
      throw new ShoalException(
          ErrorCode.AGENT_NOT_RUNNING, "interrupted while waiting for the agent", true, e);
    }
  }

  /** Stops all event subscriptions and the default event thread. Calls in flight still finish. */
  @Override
  public void close() {
    for (EventStream s : List.copyOf(streams)) {
      s.close();
    }
    synchronized (this) {
      if (defaultEvents != null) {
        defaultEvents.shutdown();
      }
    }
  }
}
