package dev.shoal.controlplane.support;

import static org.junit.jupiter.api.Assumptions.abort;

import dev.shoal.testsupport.Loopback;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A real nginx (Debian's {@code nginx-light}; scripts/install-test-deps.sh installs it) run
 * unprivileged from a temporary prefix with the configuration a test writes. Without nginx on the
 * PATH (or in /usr/sbin) the test is skipped with the reason, except in CI ({@code CI=true}).
 */
public final class Nginx implements AutoCloseable {

  private final Process process;
  private final Path prefix;

  private Nginx(Process process, Path prefix) {
    this.process = process;
    this.prefix = prefix;
  }

  /** Makes sure nginx exists (skips the test otherwise) and picks its port before it starts. */
  public static int reservePort() {
    executable();
    return Loopback.freePort();
  }

  /**
   * Starts nginx with {@code http} as the body of its {@code http} block, listening where that says
   * ({@code port}); {@code {prefix}} in it is replaced by the temporary prefix directory.
   */
  public static Nginx start(int port, String http) {
    try {
      Path prefix = Files.createTempDirectory("nginx");
      Files.createDirectories(prefix.resolve("logs"));
      // As root, nginx's workers would run as nobody, who cannot enter a private temp directory.
      String user = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
      String conf =
          user
              + "worker_processes 1;\n"
              + "error_log "
              + prefix.resolve("logs/error.log")
              + " warn;\n"
              + "pid "
              + prefix.resolve("nginx.pid")
              + ";\n"
              + "events { worker_connections 256; }\n"
              + "http {\n"
              + "  access_log off;\n"
              + "  client_body_temp_path "
              + prefix
              + "/client;\n"
              + "  proxy_temp_path "
              + prefix
              + "/proxy;\n"
              + "  fastcgi_temp_path "
              + prefix
              + "/fastcgi;\n"
              + "  uwsgi_temp_path "
              + prefix
              + "/uwsgi;\n"
              + "  scgi_temp_path "
              + prefix
              + "/scgi;\n"
              + http.replace("{prefix}", prefix.toString())
              + "\n}\n";
      Path file = prefix.resolve("nginx.conf");
      Files.writeString(file, conf);
      Process process =
          new ProcessBuilder(
                  executable(), "-p", prefix.toString(), "-c", file.toString(), "-g", "daemon off;")
              .redirectErrorStream(true)
              .redirectOutput(prefix.resolve("logs/stdout.log").toFile())
              .start();
      Nginx nginx = new Nginx(process, prefix);
      nginx.awaitListening(port);
      return nginx;
    } catch (IOException e) {
      throw new IllegalStateException("could not start nginx", e);
    }
  }

  public Path prefix() {
    return prefix;
  }

  private void awaitListening(int port) throws IOException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "nginx exited: "
                + Files.readString(prefix.resolve("logs/stdout.log"))
                + Files.readString(prefix.resolve("logs/error.log")));
      }
      try (Socket socket = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        sleep();
      }
    }
    close();
    throw new IllegalStateException("nginx did not listen on " + port);
  }

  private static void sleep() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String executable() {
    String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin";
    for (String dir : path.split(File.pathSeparator)) {
      File candidate = new File(dir, "nginx");
      if (candidate.canExecute()) {
        return candidate.getPath();
      }
    }
    String reason =
        "nginx is not installed: install Debian's nginx-light (scripts/install-test-deps.sh)";
    if ("true".equals(System.getenv("CI"))) {
      throw new IllegalStateException(reason + " (CI=true: not skipping)");
    }
    System.err.println("Skipping the nginx tests: " + reason);
    abort(reason);
    return null;
  }

  /** Stops nginx; what it logged (warnings and errors) goes to the test's output. */
  @Override
  public void close() {
    try {
      String log = Files.readString(prefix.resolve("logs/error.log"));
      if (!log.isBlank()) {
        System.err.println("nginx error.log:\n" + log);
      }
    } catch (IOException e) {
      // nothing logged
    }
    process.destroy();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
