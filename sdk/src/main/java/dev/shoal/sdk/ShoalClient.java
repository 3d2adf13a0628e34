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
 * #start(Path, Path, Duration)} (which starts the agent if it is installed but not running). Then:
 * consent ({@link #consentText}, {@link #grant}, {@link #withdraw}), enrolment ({@link #enrol}),
 * installs and updates ({@link #install(InstallRequest)}, giving an {@link InstallHandle}), quiet
 * mode while a game runs ({@link #gameStarted()}), the player's {@link #limits()}, {@link
 * #status()} and status events ({@link #subscribe}).
 *
 * <p>Every call either returns or throws {@link ShoalException}; the {@code ...Async} variants
 * complete exceptionally with one instead, and never block the caller. Instances are thread-safe;
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
  private final InstallMonitor installMonitor = new InstallMonitor(this);
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
   * {@link #start(Path, Path, Duration)} on the {@linkplain #defaultDataDir() default data
   * directory}, waiting up to 30 seconds.
   */
  public static ShoalClient start(Path executable) {
    return start(executable, defaultDataDir(), Duration.ofSeconds(30));
  }

  /**
   * Finds the running agent of {@code dataDir}, or starts it if it is installed but not running.
   *
   * <p>Connects if an agent answers (whatever {@code executable} is). Otherwise starts {@code
   * executable --data-dir <dataDir> run} detached from the launcher: in a session of its own where
   * {@code setsid} exists (Linux), so that it outlives the launcher and a Ctrl+C in the launcher's
   * terminal does not stop it; stdin from the null device, output discarded. Then waits up to
   * {@code timeout} for it to publish {@code local-api.json} and answer. If another launcher
   * started an agent at the same moment, ours exits (the data directory is locked) and this
   * connects to the other one.
   *
   * @param executable the agent's launcher, e.g. {@code ~/.local/opt/shoal-agent/bin/shoal-agent}
   * @throws ShoalException {@link ErrorCode#AGENT_NOT_INSTALLED} if no agent answers and {@code
   *     executable} is not an executable file, {@link ErrorCode#AGENT_NOT_RUNNING} (retryable) if
   *     it exited with an error or did not come up in time
   */
  public static ShoalClient start(Path executable, Path dataDir, Duration timeout) {
    Objects.requireNonNull(executable, "executable");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(timeout, "timeout");
    try {
      return connect(dataDir);
    } catch (ShoalException e) {
      if (e.code() != ErrorCode.AGENT_NOT_RUNNING && e.code() != ErrorCode.AGENT_NOT_INSTALLED) {
        throw e;
      }
    }
    if (!Files.isRegularFile(executable) || !Files.isExecutable(executable)) {
      throw new ShoalException(
          ErrorCode.AGENT_NOT_INSTALLED,
          "the Shoal agent is not running, and not installed: no executable at " + executable,
          false,
          null);
    }
    List<String> command = new ArrayList<>();
    Path setsid = setsid();
    if (setsid != null) {
      command.add(setsid.toString());
    }
    command.addAll(List.of(executable.toString(), "--data-dir", dataDir.toString(), "run"));
    Process p;
    try {
      p =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
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
      // 4: refused, another agent holds the data directory (it is coming up); 0: setsid forked.
      if (!p.isAlive() && p.exitValue() != 4 && p.exitValue() != 0) {
        throw new ShoalException(
            ErrorCode.AGENT_NOT_RUNNING,
            "the agent exited with status "
                + p.exitValue()
                + " while starting (run '"
                + String.join(" ", command)
                + "' to see why)",
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

  private static Path setsid() {
    for (String dir : List.of("/usr/bin", "/bin")) {
      Path p = Path.of(dir, "setsid");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  private static java.io.File nullDevice() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    return new java.io.File(os.contains("win") ? "NUL" : "/dev/null");
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

  synchronized Executor defaultEventExecutor() {
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

  // ---------------------------------------------------------------- enrolment

  /** Whether the agent is enrolled with a control plane, where, and this device's id. */
  public Enrolment enrolment() {
    return await(enrolmentAsync());
  }

  /** {@link #enrolment()}, without blocking. */
  public CompletableFuture<Enrolment> enrolmentAsync() {
    return call("GET", "/v1/enrolment", null, Wire::enrolment);
  }

  /** {@link #enrol(URI, String, String)} without a region. */
  public Enrolment enrol(URI controlPlane, String organisation) {
    return await(enrolAsync(controlPlane, organisation, null));
  }

  /**
   * Enrols this device with the control plane at {@code controlPlane} (https, or http on loopback)
   * in {@code organisation}: the agent registers its keys and pins the organisation's trust root,
   * which every release it installs must then be signed under. Enrolling again with the same
   * control plane and organisation keeps the pinned root.
   *
   * @param region an optional network or region name for peer selection, or {@code null}
   * @throws ShoalException {@link ErrorCode#BAD_REQUEST} for an unsafe URL, {@link
   *     ErrorCode#NETWORK} (retryable) when the control plane cannot be reached, {@link
   *     ErrorCode#ENTITLEMENT} when it refuses the device
   */
  public Enrolment enrol(URI controlPlane, String organisation, String region) {
    return await(enrolAsync(controlPlane, organisation, region));
  }

  /** {@link #enrol(URI, String, String)}, without blocking. */
  public CompletableFuture<Enrolment> enrolAsync(
      URI controlPlane, String organisation, String region) {
    Objects.requireNonNull(controlPlane, "controlPlane");
    Objects.requireNonNull(organisation, "organisation");
    var body =
        Wire.object()
            .put("controlPlane", controlPlane.toString())
            .put("organisation", organisation);
    if (region != null) {
      body.put("region", region);
    }
    return call("POST", "/v1/enrolment", body, Wire::enrolment);
  }

  // ---------------------------------------------------------------- installs

  /** {@link #install(InstallRequest)} in the foreground, without an entitlement token. */
  public InstallHandle install(String product, String channel, Path directory) {
    return install(InstallRequest.of(product, channel, directory));
  }

  /**
   * Installs the latest release of a product/channel into a directory, or updates it (through a
   * delta pack when the release has one from the installed version), or checks it when it is up to
   * date. Returns as soon as the agent accepted the request; follow the install with the handle. If
   * the product/channel is already being installed into the same directory, the handle of that
   * install is returned.
   *
   * <p>Failures of the install itself ({@link ErrorCode#NOT_ENROLLED}, {@link
   * ErrorCode#ENTITLEMENT}, {@link ErrorCode#SIGNATURE}, {@link ErrorCode#DISK_FULL}...) come from
   * the handle's {@link InstallHandle#await} or {@link InstallHandle#completion()}.
   *
   * @throws ShoalException {@link ErrorCode#BAD_REQUEST} for a directory the agent refuses, {@link
   *     ErrorCode#CONFLICT} when the product/channel is installed in another directory
   */
  public InstallHandle install(InstallRequest request) {
    return await(installAsync(request));
  }

  /** {@link #install(InstallRequest)}, without blocking. */
  public CompletableFuture<InstallHandle> installAsync(InstallRequest request) {
    Objects.requireNonNull(request, "request");
    return call("POST", "/v1/installs", Wire.installJson(request), Wire::install)
        .thenApply(installMonitor::handle);
  }

  /**
   * The handle of an install the agent knows, by id (e.g. one started before the launcher
   * restarted, found with {@link #installs()}).
   *
   * @throws ShoalException {@link ErrorCode#NOT_FOUND} if the agent does not know it (anymore)
   */
  public InstallHandle attach(String installId) {
    return await(installAsync(installId).thenApply(installMonitor::handle));
  }

  /** The installs running and recently finished, oldest first. */
  public List<InstallProgress> installs() {
    return await(installsAsync());
  }

  /** {@link #installs()}, without blocking. */
  public CompletableFuture<List<InstallProgress>> installsAsync() {
    return call("GET", "/v1/installs", null, Wire::installs);
  }

  CompletableFuture<InstallProgress> installAsync(String installId) {
    Objects.requireNonNull(installId, "installId");
    return call("GET", "/v1/installs/" + pathSegment(installId), null, Wire::install);
  }

  /** Percent-encodes everything but unreserved characters, for one path segment. */
  static String pathSegment(String s) {
    StringBuilder b = new StringBuilder();
    for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        b.append((char) c);
      } else {
        b.append('%').append(String.format("%02X", c & 0xff));
      }
    }
    return b.toString();
  }

  // ---------------------------------------------------------------- plumbing

  <T> CompletableFuture<T> call(
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

  /** The SDK's code for a code the agent sent, or null if unknown (or one only the SDK uses). */
  static ErrorCode agentCode(String code) {
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

  static <T> T await(CompletableFuture<T> f) {
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

  /**
   * Stops all event subscriptions, stops following installs (they go on in the agent; their
   * handles' waits end with {@link ErrorCode#AGENT_NOT_RUNNING}) and the default event thread.
   * Calls in flight still finish.
   */
  @Override
  public void close() {
    for (EventStream s : List.copyOf(streams)) {
      s.close();
    }
    installMonitor.close();
    synchronized (this) {
      if (defaultEvents != null) {
        defaultEvents.shutdown();
      }
    }
  }
}
