package dev.shoal.agent.bandwidth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Real sockets, real time: a stream throttled to 2 MB/s for 10 s carries 20 MB ± 10 %. */
@Tag("slow")
class RateLimiterThroughputTest {
  static final long RATE = 2_000_000;
  static final long SECONDS = 10;

  @Test
  void throttledStreamLandsWithinTenPercent() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> readAll(server));
      RateLimiter limiter = new RateLimiter(RATE);
      byte[] chunk = new byte[64 * 1024];
      long deadline = System.nanoTime() + SECONDS * 1_000_000_000L;
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
          OutputStream out = s.getOutputStream()) {
        while (System.nanoTime() < deadline) {
          int n = (int) limiter.acquire(chunk.length);
          out.write(chunk, 0, n);
        }
      }
      long bytes = received.get();
      double rate = bytes / (double) SECONDS;
      System.out.printf("throttled to %d B/s, measured %.0f B/s%n", RATE, rate);
      assertThat(rate).isBetween(RATE * 0.9, RATE * 1.1);
    }
  }

  private static long readAll(ServerSocket server) {
    try (Socket s = server.accept();
        InputStream in = s.getInputStream()) {
      byte[] buf = new byte[64 * 1024];
      long total = 0;
      for (int n; (n = in.read(buf)) > 0; ) {
        total += n;
      }
      return total;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
