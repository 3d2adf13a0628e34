package dev.shoal.swarm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A real libtorrent or aria2 process; its output lines are collected for the test to read. */
public final class ExternalPeer implements AutoCloseable {
  /** The script lives in the swarm module; other modules' tests run from their own directory. */
  static final Path LT_PEER =
      Path.of(Files.exists(Path.of("bench/lt_peer.py")) ? "" : "../swarm")
          .resolve("bench/lt_peer.py")
          .toAbsolutePath();

  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  public final StringBuffer log = new StringBuffer();

  public ExternalPeer(List<String> command) throws IOException {
    process = new ProcessBuilder(command).redirectErrorStream(true).start();
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  lines.add(line);
                  log.append(line).append('\n');
                }
              } catch (IOException e) {
                // process ended
              }
            });
    t.setDaemon(true);
    t.start();
  }

  public static ExternalPeer libtorrent(String mode, Path torrent, Path dir, String... extra)
      throws IOException {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(Fixtures.PYTHON, LT_PEER.toString(), mode, torrent.toString(), dir.toString()));
    cmd.addAll(List.of(extra));
    return new ExternalPeer(cmd);
  }

  static ExternalPeer aria2(Path torrent, Path dir, int port, boolean seed) throws IOException {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                "aria2c",
                "--dir=" + dir,
                "--listen-port=" + port,
                "--enable-dht=false",
                "--enable-dht6=false",
                "--bt-enable-lpd=false",
                "--enable-peer-exchange=false",
                "--file-allocation=none",
                "--summary-interval=0",
                "--console-log-level=warn",
                "--bt-tracker-interval=2",
                "--bt-stop-timeout=120"));
    if (seed) {
      cmd.addAll(List.of("--check-integrity=true", "--seed-ratio=0.0"));
    } else {
      cmd.add("--seed-time=0");
    }
    cmd.add(torrent.toString());
    return new ExternalPeer(cmd);
  }

  /** Waits for a line starting with {@code prefix} and returns it. */
  public String await(String prefix, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String line = lines.poll(100, TimeUnit.MILLISECONDS);
      if (line != null && line.startsWith(prefix)) {
        return line;
      }
    }
    throw new AssertionError("no '" + prefix + "' line; output:\n" + log);
  }

  public int exitCode(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("process did not exit; output:\n" + log);
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
