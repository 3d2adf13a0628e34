package dev.shoal.testkit.bench;

import dev.shoal.testsupport.Loopback;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} of the benchmarks' own, on a free loopback port, with nothing persisted;
 * {@link #commands()} reads how many commands it processed so far (to count them per announce).
 */
final class RedisProcess implements AutoCloseable {

  private final Process process;
  private final int port;

  private RedisProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** The server's process id (its CPU counts in the fleet's). */
  long pid() {
    return process.pid();
  }

  /** Starts one and waits until it accepts connections; its output goes to {@code log}. */
  static RedisProcess start(Path log) throws Exception {
    int port = Loopback.freePort();
    Process process =
        new ProcessBuilder(
                "redis-server",
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
    RedisProcess redis = new RedisProcess(process, port);
    try {
      redis.awaitListening();
    } catch (Exception | AssertionError e) {
      redis.close();
      throw e;
    }
    return redis;
  }

  String url() {
    return "redis://127.0.0.1:" + port;
  }

  ProcessHandle handle() {
    return process.toHandle();
  }

  /** {@code total_commands_processed} of {@code INFO stats}. */
  long commands() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      OutputStream out = socket.getOutputStream();
      out.write("INFO stats\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String header = readLine(in); // $<length>
      byte[] body = in.readNBytes(Integer.parseInt(header.substring(1)));
      for (String line : new String(body, StandardCharsets.US_ASCII).split("\r\n")) {
        if (line.startsWith("total_commands_processed:")) {
          return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        }
      }
      throw new AssertionError("no total_commands_processed in INFO stats");
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder s = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (c != '\r') {
        s.append((char) c);
      }
    }
    return s.toString();
  }

  private void awaitListening() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("redis-server did not start", e);
        }
        Thread.sleep(50);
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
