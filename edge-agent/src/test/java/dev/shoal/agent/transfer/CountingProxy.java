package dev.shoal.agent.transfer;

import dev.shoal.testsupport.LoopbackServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on loopback that counts, at the socket, connections accepted and bytes flowing each
 * way. Put in front of an engine, it shows whether anyone connected and what payload left.
 */
final class CountingProxy implements AutoCloseable {
  private final LoopbackServer server;
  private final InetSocketAddress target;
  final AtomicInteger upstreamConnected = new AtomicInteger();

  /** Bytes the target sent back to whoever connected to the proxy. */
  final AtomicLong fromTarget = new AtomicLong();

  final AtomicLong toTarget = new AtomicLong();

  CountingProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    server = new LoopbackServer(this::relay);
  }

  InetSocketAddress address() {
    return server.address();
  }

  /** Connections accepted so far. */
  int accepted() {
    return server.accepted();
  }

  private void relay(Socket in) {
    try (in;
        Socket out = new Socket()) {
      out.connect(target, 5000);
      upstreamConnected.incrementAndGet();
      Thread back = new Thread(() -> pump(out, in, fromTarget), "test-proxy-back");
      back.setDaemon(true);
      back.start();
      pump(in, out, toTarget);
      back.join(5000);
    } catch (IOException | InterruptedException e) {
      // connection refused or closed: the client sees a closed connection
    }
  }

  private static void pump(Socket from, Socket to, AtomicLong counter) {
    try {
      InputStream is = from.getInputStream();
      OutputStream os = to.getOutputStream();
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = is.read(buf)) > 0) {
        counter.addAndGet(n);
        os.write(buf, 0, n);
      }
    } catch (IOException e) {
      // either side closed
    } finally {
      try {
        from.close();
        to.close();
      } catch (IOException e) {
        // ignore
      }
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
