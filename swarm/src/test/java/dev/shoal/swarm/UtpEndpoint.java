package dev.shoal.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.awaitility.Awaitility;

/**
 * A {@link UtpSocket} on loopback driven by its own selector thread, as the engine drives its own:
 * each connection sends a given byte array and collects what arrives. Tests talk to it through
 * {@link #call}, which runs on that thread.
 */
final class UtpEndpoint implements AutoCloseable {
  static final class Stream {
    byte[] toSend = new byte[0];
    int sent;
    final ByteArrayOutputStream got = new ByteArrayOutputStream();
    boolean eof;
    String error;

    /** While set, nothing is read: the connection's receive buffer fills. */
    volatile boolean paused;
  }

  final UtpSocket socket;
  private final Selector selector;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  final List<UtpConnection> accepted = new ArrayList<>();
  final Map<UtpConnection, Stream> streams = new HashMap<>();
  private volatile boolean running = true;

  /** Accepts at most {@code maxAccepts} incoming connections. */
  UtpEndpoint(int maxAccepts) throws IOException {
    socket =
        UtpSocket.open(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            c -> {
              if (accepted.size() >= maxAccepts) {
                return false;
              }
              accepted.add(c);
              streams.put(c, new Stream());
              return true;
            });
    selector = Selector.open();
    socket.channel.register(selector, SelectionKey.OP_READ);
    thread = new Thread(this::loop, "utp-endpoint");
    thread.setDaemon(true);
    thread.start();
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.port());
  }

  private void loop() {
    long lastTick = 0;
    while (running) {
      try {
        selector.select(2);
        selector.selectedKeys().clear();
        Runnable r;
        while ((r = tasks.poll()) != null) {
          r.run();
        }
        long now = System.nanoTime();
        socket.receive(now);
        if (now - lastTick >= 5_000_000L) {
          lastTick = now;
          socket.tick(now);
        }
        socket.drainReady();
        for (Map.Entry<UtpConnection, Stream> e : streams.entrySet()) {
          pump(e.getKey(), e.getValue());
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    socket.close();
  }

  private static void pump(UtpConnection c, Stream s) {
    if (s.eof || s.error != null) {
      return;
    }
    try {
      if (s.sent < s.toSend.length && c.state == UtpConnection.State.CONNECTED) {
        ByteBuffer b = ByteBuffer.wrap(s.toSend, s.sent, s.toSend.length - s.sent);
        s.sent += c.write(b);
      }
      if (s.paused) {
        return;
      }
      ByteBuffer in = ByteBuffer.allocate(64 * 1024);
      int n;
      while ((n = c.read(in)) > 0) {
        s.got.write(in.array(), 0, in.position());
        in.clear();
      }
      if (n < 0) {
        s.eof = true;
      }
    } catch (IOException e) {
      s.error = e.getMessage();
    }
  }

  /** Runs {@code task} on the endpoint's thread and returns its result. */
  <T> T call(Supplier<T> task) throws Exception {
    CompletableFuture<T> f = new CompletableFuture<>();
    tasks.add(
        () -> {
          try {
            f.complete(task.get());
          } catch (RuntimeException e) {
            f.completeExceptionally(e);
          }
        });
    selector.wakeup();
    return f.get(10, TimeUnit.SECONDS);
  }

  /** Dials {@code remote} and sends {@code data} once connected. */
  UtpConnection dial(InetSocketAddress remote, byte[] data) throws Exception {
    return call(
        () -> {
          UtpConnection c = socket.connect(remote, System.nanoTime());
          Stream s = new Stream();
          s.toSend = data;
          streams.put(c, s);
          return c;
        });
  }

  Stream stream(UtpConnection c) throws Exception {
    return call(() -> streams.get(c));
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    selector.wakeup();
    thread.join(5000);
  }

  /**
   * Waits up to {@code within} until {@code c} (on {@code client}) has received {@code down} and
   * {@code s} (on {@code server}) has received {@code up}, and checks both byte for byte.
   */
  static void awaitExchanged(
      UtpEndpoint client,
      UtpConnection c,
      UtpEndpoint server,
      UtpConnection s,
      byte[] up,
      byte[] down,
      Duration within)
      throws Exception {
    Awaitility.await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                client.call(() -> client.streams.get(c).got.size()) == down.length
                    && server.call(() -> server.streams.get(s).got.size()) == up.length);
    assertThat(client.call(() -> client.streams.get(c).got.toByteArray())).isEqualTo(down);
    assertThat(server.call(() -> server.streams.get(s).got.toByteArray())).isEqualTo(up);
  }
}
