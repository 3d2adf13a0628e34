package dev.shoal.sdk;

import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** One {@code GET /v1/events} subscription: a daemon reader thread that reconnects on drops. */
final class EventStream implements Subscription {
  private static final long MIN_BACKOFF_MS = 250;
  private static final long MAX_BACKOFF_MS = 5_000;

  private final ShoalClient client;
  private final StatusListener listener;
  private final Executor executor;
  private final Thread reader;
  private volatile boolean closed;
  private volatile Stream<String> current;

  EventStream(ShoalClient client, StatusListener listener, Executor executor) {
    this.client = client;
    this.listener = listener;
    this.executor = executor;
    this.reader = new Thread(this::run, "shoal-sdk-event-reader");
    reader.setDaemon(true);
  }

  void start() {
    reader.start();
  }

  private void run() {
    long backoff = MIN_BACKOFF_MS;
    while (!closed) {
      try {
        HttpResponse<Stream<String>> r =
            client.http().send(client.eventRequest(), HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = r.body()) {
          if (r.statusCode() != 200) {
            throw ShoalClient.problem(r.statusCode(), lines.collect(Collectors.joining("\n")));
          }
          current = lines;
          if (closed) {
            return;
          }
          backoff = MIN_BACKOFF_MS;
          read(lines.iterator());
        }
        if (!closed) {
          disconnected(
              new ShoalException(
                  ErrorCode.AGENT_NOT_RUNNING, "the agent closed the event stream", true, null));
        }
      } catch (Exception e) {
        if (closed) {
          return;
        }
        disconnected(ShoalClient.translate(e));
      }
      try {
        Thread.sleep(backoff);
      } catch (InterruptedException e) {
        if (closed) {
          return;
        }
      }
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  private void read(Iterator<String> lines) {
    String event = null;
    StringBuilder data = new StringBuilder();
    while (!closed && lines.hasNext()) {
      String line = lines.next();
      if (line.isEmpty()) {
        if ("status".equals(event) && data.length() > 0) {
          String json = data.toString();
          AgentStatus s = Wire.status(Wire.parse(json), json);
          deliver(() -> listener.onStatus(s));
        }
        event = null;
        data.setLength(0);
      } else if (line.startsWith(":")) {
        continue; // keep-alive comment
      } else if (line.startsWith("event:")) {
        event = line.substring(6).strip();
      } else if (line.startsWith("data:")) {
        if (data.length() > 0) {
          data.append('\n');
        }
        String d = line.substring(5);
        data.append(d.startsWith(" ") ? d.substring(1) : d);
      }
    }
  }

  private void disconnected(ShoalException e) {
    deliver(() -> listener.onDisconnected(e));
  }

  private void deliver(Runnable call) {
    if (closed) {
      return;
    }
    try {
      executor.execute(
          () -> {
            if (closed) {
              return;
            }
            try {
              call.run();
            } catch (RuntimeException e) {
              // A listener's bug must not stop the stream; nothing else to tell.
              Thread t = Thread.currentThread();
              t.getUncaughtExceptionHandler().uncaughtException(t, e);
            }
          });
    } catch (RejectedExecutionException e) {
      close();
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    client.forget(this);
    Stream<String> s = current;
    if (s != null) {
      try {
        s.close();
      } catch (RuntimeException ignored) {
        // closing races the reader; it exits on its own
      }
    }
    reader.interrupt();
  }
}
