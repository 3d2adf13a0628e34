package dev.shoal.agent.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpServer;
import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.identity.DeviceIdentity;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control plane (or something in its place) that answers at once but then sends its body a byte
 * every 100 ms, for a minute: the agent gives up at its deadline, or at once when interrupted (an
 * install cancelled), instead of waiting for the answer to end.
 */
class SlowRetrievalTest {
  @TempDir java.nio.file.Path dir;
  private HttpServer server;
  private final AtomicLong dripped = new AtomicLong();
  private DeviceIdentity identity;

  @BeforeEach
  void startADrippingServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(200, 0); // chunked: no end announced
          try (OutputStream out = ex.getResponseBody()) {
            for (int i = 0; i < 600; i++) {
              out.write(' ');
              out.flush();
              dripped.incrementAndGet();
              Thread.sleep(100);
            }
          } catch (IOException | InterruptedException e) {
            // the agent hung up: what this test wants
          }
        });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    identity = DeviceIdentity.loadOrCreate(DataDir.open(dir));
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  @Test
  void aDrippingAnswerIsCutOffAtTheDeadline() {
    ControlPlane cp = new ControlPlane(url(), identity, Clock.systemUTC(), Duration.ofSeconds(1));
    ControlPlaneException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(30),
            () -> {
              try {
                cp.manifest("game", "live");
              } catch (ControlPlaneException thrown) {
                return thrown;
              }
              throw new AssertionError("a dripping answer was accepted");
            });
    assertThat(e.getMessage()).contains("did not finish answering within");
    assertThat(e.retryable()).isTrue();
    assertThat(dripped.get()).as("it did start answering").isPositive();
  }

  @Test
  void interruptingTheCallerEndsTheCallAtOnce() throws Exception {
    ControlPlane cp = new ControlPlane(url(), identity, Clock.systemUTC(), Duration.ofMinutes(2));
    Thread[] caller = new Thread[1];
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    caller[0] =
        new Thread(
            () -> {
              try {
                cp.manifest("game", "live");
                outcome.complete(null);
              } catch (Throwable t) {
                outcome.complete(t);
              }
            });
    caller[0].start();
    while (dripped.get() < 3) {
      Thread.sleep(20);
    }
    caller[0].interrupt();
    Throwable t =
        assertTimeoutPreemptively(
            Duration.ofSeconds(30),
            () -> {
              try {
                return outcome.get();
              } catch (ExecutionException e) {
                return e.getCause();
              }
            });
    assertThat(t).isInstanceOf(ControlPlaneException.class).hasMessageContaining("interrupted");
  }

  @Test
  void anAnswerThatEndsInTimeIsRead() {
    server.removeContext("/");
    server.createContext(
        "/",
        ex -> {
          byte[] body = "{\"detail\":\"no such product\"}".getBytes();
          ex.getResponseHeaders().add("Content-Type", "application/problem+json");
          ex.sendResponseHeaders(404, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    ControlPlane cp = new ControlPlane(url(), identity, Clock.systemUTC(), Duration.ofSeconds(5));
    assertThatThrownBy(() -> cp.manifest("game", "live"))
        .isInstanceOf(ControlPlaneException.class)
        .hasMessageContaining("no such product")
        .extracting(e -> ((ControlPlaneException) e).status())
        .isEqualTo(404);
  }
}
