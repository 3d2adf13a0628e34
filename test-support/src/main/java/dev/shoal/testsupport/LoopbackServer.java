package dev.shoal.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A TCP server on a free port of a loopback address that hands every accepted connection to a
 * handler on a daemon thread of its own: the base of the tests' fake peers and proxies.
 */
public final class LoopbackServer implements AutoCloseable {
  private final ServerSocket server;
  private final Consumer<Socket> handler;
  private final AtomicInteger accepted = new AtomicInteger();
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          task -> {
            Thread thread = new Thread(task, "loopback-server");
            thread.setDaemon(true);
            return thread;
          });

  /** Listens on 127.0.0.1. */
  public LoopbackServer(Consumer<Socket> handler) {
    this("127.0.0.1", handler);
  }

  /** Listens on {@code bindAddress} (any 127.x.y.z works on Linux loopback). */
  public LoopbackServer(String bindAddress, Consumer<Socket> handler) {
    this.handler = handler;
    try {
      server = new ServerSocket(0, 50, InetAddress.getByName(bindAddress));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    threads.execute(this::acceptLoop);
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        accepted.incrementAndGet();
        threads.execute(() -> handler.accept(socket));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      threads.shutdownNow();
    }
  }
}
