package dev.shoal.sdk.examples;

import dev.shoal.sdk.AskedWhere;
import dev.shoal.sdk.ConsentScope;
import dev.shoal.sdk.ConsentText;
import dev.shoal.sdk.Enrolment;
import dev.shoal.sdk.ErrorCode;
import dev.shoal.sdk.GameSession;
import dev.shoal.sdk.InstallHandle;
import dev.shoal.sdk.InstallProgress;
import dev.shoal.sdk.InstallRequest;
import dev.shoal.sdk.PackKind;
import dev.shoal.sdk.ShoalClient;
import dev.shoal.sdk.ShoalException;
import dev.shoal.sdk.Subscription;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An example game launcher in a terminal, built on the Shoal SDK only: finds (or starts) the agent,
 * asks for consent the first time with the standard texts, enrols with a control plane if needed,
 * installs or updates a product with a progress bar, and runs a fake game in quiet mode.
 *
 * <p>Run it with {@code sdk/examples/run-launcher.sh --help} (see {@code sdk/README.md}).
 */
public final class TerminalLauncher {
  /** Exit codes: 0 ok, 2 usage, 3 no agent, 4 the install failed. */
  static final int OK = 0;

  static final int USAGE = 2;
  static final int NO_AGENT = 3;
  static final int FAILED = 4;

  private static final String USAGE_TEXT =
      """
      Usage: run-launcher.sh [options]
        --control-plane URL      control plane to enrol with (default http://localhost:8080)
        --organisation NAME      organisation on it (default: default)
        --product SLUG           product to install (default: demo)
        --channel NAME           channel (default: live)
        --dir PATH               install directory (default: ~/Games/<product>)
        --data-dir PATH          the agent's data directory (default: the agent's own default)
        --agent PATH             shoal-agent launcher to start when the agent is not running
                                 (default: $SHOAL_AGENT)
        --entitlement-token JWT  an entitlement token signed by the publisher's backend
        --grant-with-api-key KEY demo only: grant this device the product as the publisher would
        --game-seconds N         how long the fake game runs (default 10)
        --once                   install or update, play once, exit (no menu)
      """;

  private final Map<String, String> options;
  private final BufferedReader in;
  private final PrintStream out;

  /** The agent this launcher started, and its data directory; null if it found one running. */
  private Path startedAgent;

  private Path startedAgentDataDir;

  TerminalLauncher(Map<String, String> options, BufferedReader in, PrintStream out) {
    this.options = options;
    this.in = in;
    this.out = out;
  }

  /** Runs the launcher in this terminal; exits with {@link #run}'s code. */
  public static void main(String[] args) {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.exit(run(args, in, System.out));
  }

  /** Runs the launcher with these arguments, reading the player's answers from {@code in}. */
  public static int run(String[] args, BufferedReader in, PrintStream out) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--once")) {
        options.put("once", "true");
      } else if (a.equals("--help") || a.equals("-h")) {
        out.print(USAGE_TEXT);
        return OK;
      } else if (a.startsWith("--") && i + 1 < args.length) {
        options.put(a.substring(2), args[++i]);
      } else {
        out.println("unknown argument: " + a);
        out.print(USAGE_TEXT);
        return USAGE;
      }
    }
    return new TerminalLauncher(options, in, out).run();
  }

  private String option(String name, String fallback) {
    return options.getOrDefault(name, fallback);
  }

  int run() {
    String product = option("product", "demo");
    String channel = option("channel", "live");
    Path dir =
        Path.of(
            option("dir", Path.of(System.getProperty("user.home"), "Games", product).toString()));
    URI controlPlane = URI.create(option("control-plane", "http://localhost:8080"));
    String organisation = option("organisation", "default");
    int gameSeconds = Integer.parseInt(option("game-seconds", "10"));
    boolean once = options.containsKey("once");

    out.println("Shoal example launcher: " + product + "/" + channel + " in " + dir);
    try (ShoalClient shoal = connect()) {
      askConsentTheFirstTime(shoal);
      Enrolment enrolment = enrolIfNeeded(shoal, controlPlane, organisation);
      if (options.containsKey("grant-with-api-key")) {
        // Before the first install, not after it failed: a failed install would print FAILED
        // to a player who did nothing wrong, and stay listed on the agent's status page.
        grantAsThePublisher(controlPlane, product, enrolment.deviceId());
      }
      InstallRequest request = InstallRequest.of(product, channel, dir);
      if (options.containsKey("entitlement-token")) {
        request = request.withEntitlementToken(options.get("entitlement-token"));
      }
      while (true) {
        ErrorCode failure = installOrUpdate(shoal, request, enrolment);
        if (failure != null) {
          if (once || !prompt("Press Enter to try again, or q then Enter to quit: ")) {
            return FAILED;
          }
          continue;
        }
        play(shoal, gameSeconds);
        if (once || !prompt("Press Enter to check for updates and play again, q to quit: ")) {
          return OK;
        }
      }
    } catch (ShoalException e) {
      if (e.code() == ErrorCode.AGENT_NOT_INSTALLED || e.code() == ErrorCode.AGENT_NOT_RUNNING) {
        out.println("The Shoal agent is not available: " + e.getMessage());
        out.println(
            e.code() == ErrorCode.AGENT_NOT_INSTALLED
                ? "Install it (deploy/agent/README.md), or pass --agent <path to shoal-agent>."
                : "Start it (shoal-agent run), or pass --agent <path to shoal-agent>.");
        return NO_AGENT;
      }
      out.println(
          "Error " + e.code() + (e.retryable() ? " (retryable)" : "") + ": " + e.getMessage());
      return FAILED;
    } finally {
      sayTheAgentKeepsRunning();
    }
  }

  /**
   * The agent is left running on purpose: it is the player's background service, not a part of this
   * launcher. It finishes updates and, while the player allows uploads, shares them with other
   * players; other launchers on this computer may be using it too. Stopping it on exit would cut
   * all of that short, so the launcher says what it leaves behind and how to stop it.
   */
  private void sayTheAgentKeepsRunning() {
    if (startedAgent == null) {
      return; // it was running before this launcher: the player knows about it
    }
    out.println();
    out.println(
        "The Shoal agent this launcher started keeps running in the background: it finishes"
            + " updates and, if you allowed uploads, shares them with other players.");
    out.println("To stop it: " + startedAgent + " --data-dir " + startedAgentDataDir + " stop");
  }

  /** The running agent, or the one {@code --agent} (or $SHOAL_AGENT) starts. */
  private ShoalClient connect() {
    Path dataDir =
        options.containsKey("data-dir")
            ? Path.of(options.get("data-dir"))
            : ShoalClient.defaultDataDir();
    String agent = option("agent", System.getenv("SHOAL_AGENT"));
    if (agent == null || agent.isBlank()) {
      return ShoalClient.connect(dataDir);
    }
    try {
      return ShoalClient.connect(dataDir);
    } catch (ShoalException e) {
      if (e.code() != ErrorCode.AGENT_NOT_RUNNING && e.code() != ErrorCode.AGENT_NOT_INSTALLED) {
        throw e;
      }
    }
    out.println("Starting the Shoal agent (" + agent + ")...");
    ShoalClient started = ShoalClient.start(Path.of(agent), dataDir, Duration.ofSeconds(60));
    // Another launcher may have started one at the same moment; then the one found is its, but
    // the stop command printed at exit is right either way.
    startedAgent = Path.of(agent);
    startedAgentDataDir = dataDir;
    return started;
  }

  /** Asks each consent question once, with the agent's standard text, shown verbatim. */
  private void askConsentTheFirstTime(ShoalClient shoal) {
    for (ConsentScope scope : ConsentScope.values()) {
      if (shoal.consent().get(scope).asked()) {
        continue;
      }
      for (int attempt = 0; ; attempt++) {
        ConsentText text = shoal.consentText(scope, Locale.getDefault());
        out.println();
        out.println("-".repeat(72));
        out.println(text.text());
        out.println("-".repeat(72));
        out.print("Type yes to agree, anything else to decline: ");
        out.flush();
        String answer = readLine();
        try {
          if ("yes".equalsIgnoreCase(answer == null ? "" : answer.strip())) {
            shoal.grant(text, AskedWhere.LAUNCHER);
            out.println("Thank you. You can change this at any time in the agent's status page.");
          } else {
            // Recorded too, so that the launcher does not ask again at every start.
            shoal.withdraw(scope, AskedWhere.LAUNCHER);
            out.println("Understood: no.");
          }
          break;
        } catch (ShoalException e) {
          // The limits changed since the text was fetched (the numbers are part of it): ask again.
          if (e.code() != ErrorCode.CONFLICT || attempt > 0) {
            throw e;
          }
        }
      }
    }
  }

  private Enrolment enrolIfNeeded(ShoalClient shoal, URI controlPlane, String organisation) {
    Enrolment e = shoal.enrolment();
    if (e.enrolled()
        && organisation.equals(e.organisation())
        && sameServer(controlPlane, e.controlPlane())) {
      out.println("Device " + e.deviceId() + " is enrolled with " + e.controlPlane());
      return e;
    }
    out.println("Enrolling device " + e.deviceId() + " with " + controlPlane + "...");
    e = shoal.enrol(controlPlane, organisation);
    out.println("Enrolled with " + e.controlPlane() + " (" + e.organisation() + ").");
    return e;
  }

  private static boolean sameServer(URI a, URI b) {
    return b != null
        && a.getScheme().equalsIgnoreCase(b.getScheme())
        && a.getHost().equalsIgnoreCase(b.getHost())
        && a.getPort() == b.getPort();
  }

  /**
   * Demo only: what the publisher does on the control plane (a real launcher gets an entitlement
   * token from its own backend instead, and never holds a publisher's API key). Grants once: a
   * device that holds an entitlement already is not granted another one at every start.
   */
  private void grantAsThePublisher(URI controlPlane, String product, String deviceId) {
    URI entitlements = controlPlane.resolve("/api/v1/products/" + product + "/entitlements");
    String authorization = "Bearer " + options.get("grant-with-api-key");
    HttpRequest request =
        HttpRequest.newBuilder(entitlements)
            .header("Authorization", authorization)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"deviceId\":\"" + deviceId + "\"}"))
            .build();
    try {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> list =
          http.send(
              HttpRequest.newBuilder(entitlements).header("Authorization", authorization).build(),
              HttpResponse.BodyHandlers.ofString());
      if (list.statusCode() == 200 && holdsEntitlement(list.body(), deviceId)) {
        return;
      }
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 == 2) {
        out.println("(demo) The publisher granted " + product + " to this device.");
        return;
      }
      out.println(
          "(demo) Granting " + product + " failed: HTTP " + r.statusCode() + " " + r.body());
    } catch (IOException e) {
      out.println("(demo) Granting " + product + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Whether the control plane's list of a product's entitlements (a JSON array of flat objects)
   * holds one for this device that is neither revoked nor limited in time. A plain text match keeps
   * the example free of a JSON library; a miss only grants once more.
   */
  static boolean holdsEntitlement(String listJson, String deviceId) {
    Matcher objects = Pattern.compile("\\{[^{}]*}").matcher(listJson);
    while (objects.find()) {
      String e = objects.group().replace(" ", "");
      if (e.contains("\"deviceId\":\"" + deviceId + "\"")
          && e.contains("\"revokedAt\":null")
          && e.contains("\"expiresAt\":null")) {
        return true;
      }
    }
    return false;
  }

  /** Installs or updates with a progress bar; null if done, else why it failed. */
  private ErrorCode installOrUpdate(
      ShoalClient shoal, InstallRequest request, Enrolment enrolment) {
    out.println();
    out.println("Checking for updates of " + request.product() + "/" + request.channel() + "...");
    // The launcher's "UI thread": the SDK calls the progress bar there.
    ExecutorService ui = Executors.newSingleThreadExecutor();
    ProgressBar bar = new ProgressBar(out, System.console() != null);
    Subscription subscription = null;
    try {
      InstallHandle install = shoal.install(request);
      subscription = install.onProgress(bar, ui);
      InstallProgress done = install.await(Duration.ofHours(6));
      ui.submit(bar::finish).get(); // after the bar has drawn the final snapshot
      if (done.packKind() == null) {
        out.println(
            "Up to date: " + label(done) + " is installed and intact in " + done.directory());
      } else {
        out.printf(
            "Installed %s in %s (%s pack of %s, %d%% from peers).%n",
            label(done),
            done.directory(),
            done.packKind() == PackKind.DELTA ? "delta" : "full",
            ProgressBar.size(done.bytesTotal()),
            Math.round(done.fromPeersShare() * 100));
      }
      return null;
    } catch (ShoalException e) {
      ui.execute(bar::finish);
      ui.shutdown();
      try {
        ui.awaitTermination(5, TimeUnit.SECONDS); // the bar's last line first
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
      explain(e, request, enrolment);
      return e.code();
    } catch (TimeoutException e) {
      out.println("Still installing after 6 hours; giving up waiting.");
      return ErrorCode.NETWORK;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ErrorCode.CANCELLED;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } finally {
      if (subscription != null) {
        subscription.close();
      }
      ui.shutdown();
    }
  }

  private static String label(InstallProgress p) {
    return p.product()
        + " "
        + (p.targetDisplayVersion() != null ? p.targetDisplayVersion() : "")
        + " (version "
        + p.installedVersion()
        + ")";
  }

  private void explain(ShoalException e, InstallRequest request, Enrolment enrolment) {
    switch (e.code()) {
      case ENTITLEMENT -> {
        out.println("This device is not entitled to " + request.product() + ".");
        if (options.containsKey("grant-with-api-key")) {
          return;
        }
        out.println("The publisher grants it with an API key from the dashboard, e.g.:");
        out.println(
            "  curl -H \"Authorization: Bearer $KEY\" -H 'Content-Type: application/json' \\\n"
                + "       -d '{\"deviceId\":\""
                + enrolment.deviceId()
                + "\"}' "
                + enrolment.controlPlane().resolve("/api/v1/products/" + request.product())
                + "/entitlements");
        out.println("(or run this launcher with --grant-with-api-key $KEY).");
      }
      case NO_RELEASE ->
          out.println(
              "No release is published on "
                  + request.product()
                  + "/"
                  + request.channel()
                  + " yet: publish one in the dashboard.");
      case DISK_FULL -> out.println("The disk is full: free some space and try again.");
      case CANCELLED -> out.println("Cancelled.");
      default ->
          out.println(
              "The install failed: "
                  + e.code()
                  + (e.retryable() ? " (may work later)" : "")
                  + ": "
                  + e.getMessage());
    }
  }

  /** A fake game: quiet mode while it runs (no uploads, slow downloads). */
  private void play(ShoalClient shoal, int seconds) {
    out.println();
    try (GameSession game = shoal.gameStarted()) {
      var s = shoal.status();
      out.printf(
          "Playing for %d s. Quiet mode is %s: uploads %s, downloads at most %s/s.%n",
          seconds,
          s.quietMode() ? "on" : "off",
          s.uploading() ? "on" : "off",
          ProgressBar.size(s.downloadCapBytesPerSecond()));
      for (int i = 0; i < seconds; i++) {
        Thread.sleep(1000);
        out.print(".");
        out.flush();
      }
      out.println();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    out.println("Game over. Quiet mode is " + (shoal.status().quietMode() ? "on" : "off") + ".");
  }

  /** True to go on, false to quit (q, or end of input). */
  private boolean prompt(String question) {
    out.println();
    out.print(question);
    out.flush();
    String line = readLine();
    return line != null && !line.strip().equalsIgnoreCase("q");
  }

  private String readLine() {
    try {
      return in.readLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
