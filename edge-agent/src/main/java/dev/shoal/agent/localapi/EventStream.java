package dev.shoal.agent.localapi;

import com.sun.net.httpserver.HttpExchange;
import dev.shoal.agent.threads.DaemonThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Server-sent events for {@code GET /v1/events}: an {@code event: status} with the full status JSON
 * whenever it changes. One thread does all writing; the HTTP worker thread is released as soon as
 * the subscriber is registered. Changes are noticed by {@link #nudge()} (policy and consent
 * listeners) and by a once-a-second comparison (counters, clock-driven changes).
 */
final class EventStream implements AutoCloseable {
  static final int MAX_SUBSCRIBERS = 16;
  private static final long HEARTBEAT_SECONDS = 15;

  private final Supplier<String> statusJson;
  private final List<HttpExchange> subscribers = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService writer =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("shoal-sse"));
  private String last;

  EventStream(Supplier<String> statusJson) {
    this.statusJson = statusJson;
    writer.scheduleWithFixedDelay(this::poll, 1, 1, TimeUnit.SECONDS);
    writer.scheduleWithFixedDelay(
        this::heartbeat, HEARTBEAT_SECONDS, HEARTBEAT_SECONDS, TimeUnit.SECONDS);
  }

  /** Takes over the exchange: headers now, the current status at once, then changes. */
  void subscribe(HttpExchange ex) throws IOException {
    if (subscribers.size() >= MAX_SUBSCRIBERS) {
      throw new ApiException(ProblemCode.TOO_MANY_SUBSCRIBERS, "too many open event streams");
    }
    ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(200, 0);
    subscribers.add(ex);
    writer.execute(() -> send(ex, event(statusJson.get())));
  }

  void nudge() {
    if (!writer.isShutdown()) {
      writer.execute(this::poll);
    }
  }

  private void poll() {
    try {
      pollOnce();
    } catch (RuntimeException e) {
      // A scheduled task that throws is never run again; keep the stream alive instead.
      System.err.println("shoal-agent: status event failed: " + e);
    }
  }

  private void pollOnce() {
    if (subscribers.isEmpty()) {
      last = null;
      return;
    }
    String now = statusJson.get();
    if (!now.equals(last)) {
      last = now;
      byte[] ev = event(now);
      subscribers.forEach(ex -> send(ex, ev));
    }
  }

  private void heartbeat() {
    byte[] comment = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);
    subscribers.forEach(ex -> send(ex, comment));
  }

  private static byte[] event(String json) {
    return ("event: status\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private void send(HttpExchange ex, byte[] data) {
    try {
      OutputStream out = ex.getResponseBody();
      out.write(data);
      out.flush();
    } catch (IOException e) {
      // The client went away; forget it.
      subscribers.remove(ex);
      ex.close();
    }
  }

  @Override
  public void close() {
    writer.shutdownNow();
    subscribers.forEach(HttpExchange::close);
    subscribers.clear();
  }
}
