package dev.shoal.testkit.faults;

import dev.shoal.testkit.hostile.HostileProxy;
import dev.shoal.testkit.hostile.HostileProxy.Reply;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP reverse proxy on loopback in front of the control plane (the hostile tests' {@link
 * HostileProxy}), passing every request through byte for byte (device signatures stay valid), until
 * told to make the origin fail: then every origin request is answered 503 and nothing reaches the
 * control plane's origin. Agents enrolled with {@link #url()} reach the control plane (and its
 * origin) only through it.
 */
final class FaultProxy implements AutoCloseable {
  private final HostileProxy proxy;
  private volatile boolean refuseOrigin;
  private final AtomicInteger originRefused = new AtomicInteger();
  private final AtomicInteger originForwarded = new AtomicInteger();
  private final AtomicLong originBytesForwarded = new AtomicLong();

  /**
   * @param target the control plane's base URL, e.g. {@code http://localhost:41234}
   */
  FaultProxy(String target) {
    proxy = new HostileProxy(target);
    proxy.on(
        HostileProxy.ORIGIN,
        (request, upstream) -> {
          if (refuseOrigin) {
            originRefused.incrementAndGet();
            return Reply.of(503, "text/plain", new byte[0]);
          }
          Reply reply = upstream.forward(request);
          originForwarded.incrementAndGet();
          originBytesForwarded.addAndGet(reply.body().length);
          return reply;
        });
  }

  /** The URL to give agents as their control plane. */
  String url() {
    return proxy.url();
  }

  /** From now on, origin requests are answered 503 and not forwarded. */
  void refuseOrigin() {
    refuseOrigin = true;
  }

  /** Origin requests answered 503 by the proxy. */
  int originRefused() {
    return originRefused.get();
  }

  /** Origin requests forwarded to the control plane (and answered by it). */
  int originForwarded() {
    return originForwarded.get();
  }

  long originBytesForwarded() {
    return originBytesForwarded.get();
  }

  @Override
  public void close() {
    proxy.close();
  }
}
