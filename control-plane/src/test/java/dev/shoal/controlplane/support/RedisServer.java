package dev.shoal.controlplane.support;

import static org.junit.jupiter.api.Assumptions.abort;

import dev.shoal.testsupport.Loopback;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * A real {@code redis-server} (Debian's package; scripts/install-test-deps.sh installs it) on a
 * free loopback port, without persistence, one per test JVM, stopped when the JVM exits. Without it
 * on the PATH the Redis tests are skipped with the reason, except in CI ({@code CI=true}), where
 * they fail: a CI run must not pass by skipping them.
 */
public final class RedisServer {

  private static RedisServer shared;

  private final Process process;
  private final int port;

  private RedisServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** The server of this JVM, started on first use. */
  public static synchronized RedisServer shared() {
    if (shared == null) {
      shared = start();
      Runtime.getRuntime().addShutdownHook(new Thread(shared.process::destroy));
    }
    return shared;
  }

  /** A server of the caller's own, which it may {@link #stop()} (an outage); gone at JVM exit. */
  public static RedisServer own() {
    RedisServer server = start();
    Runtime.getRuntime().addShutdownHook(new Thread(server.process::destroy));
    return server;
  }

  /** Stops this server and waits until it is gone. */
  public void stop() throws InterruptedException {
    process.destroy();
    process.waitFor();
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /**
   * A connection to the {@link #shared()} server for one test class, opened before its tests and
   * closed after them: register it as a static {@code @RegisterExtension} field.
   */
  public static final class Connection implements BeforeAllCallback, AfterAllCallback {
    private LettuceConnectionFactory factory;
    private StringRedisTemplate template;

    @Override
    public void beforeAll(ExtensionContext context) {
      RedisServer server = shared();
      factory =
          new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", server.port));
      factory.afterPropertiesSet();
      factory.start();
      template = new StringRedisTemplate(factory);
    }

    @Override
    public void afterAll(ExtensionContext context) {
      if (factory != null) { // null when skipped without redis-server
        factory.destroy();
      }
    }

    public LettuceConnectionFactory factory() {
      return factory;
    }

    public StringRedisTemplate template() {
      return template;
    }
  }

  private static RedisServer start() {
    String executable = onPath("redis-server");
    if (executable == null) {
      String reason =
          "redis-server is not on the PATH: install Debian's redis-server"
              + " (scripts/install-test-deps.sh) to run the Redis swarm store tests";
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(reason + " (CI=true: not skipping)");
      }
      // Surefire counts a class aborted in @BeforeAll as zero tests: say why in the build log too.
      System.err.println("Skipping the Redis tests: " + reason);
      abort(reason);
    }
    try {
      int port = Loopback.freePort();
      Path log = Files.createTempFile("redis-server", ".log");
      log.toFile().deleteOnExit();
      Process process =
          new ProcessBuilder(
                  executable,
                  "--port",
                  Integer.toString(port),
                  "--bind",
                  "127.0.0.1",
                  "--save",
                  "",
                  "--appendonly",
                  "no")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      awaitPong(process, port, log);
      return new RedisServer(process, port);
    } catch (IOException e) {
      throw new IllegalStateException("could not start redis-server", e);
    }
  }

  private static String onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File candidate = new File(dir, name);
      if (candidate.canExecute()) {
        return candidate.getPath();
      }
    }
    return null;
  }

  private static void awaitPong(Process process, int port, Path log) throws IOException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server exited: " + Files.readString(log));
      }
      try (Socket socket = new Socket("127.0.0.1", port)) {
        OutputStream out = socket.getOutputStream();
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        byte[] reply = in.readNBytes(7);
        if (new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n")) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    process.destroy();
    throw new IllegalStateException("redis-server did not answer PING: " + Files.readString(log));
  }
}
