package dev.shoal.testkit.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the lab's short commands (ip, nft, tc, ...), each bounded in time. */
final class Shell {
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

  /** A finished command. */
  record Result(int exit, String out, String err) {}

  private Shell() {}

  static Result run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.PIPE).start();
      p.getOutputStream().close();
      CompletableFuture<String> out = drain(p.getInputStream());
      CompletableFuture<String> err = drain(p.getErrorStream());
      if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new LabException("timed out after " + COMMAND_TIMEOUT + ": " + command);
      }
      return new Result(p.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LabException("interrupted: " + command);
    }
  }

  /** Runs a command that must succeed; returns its standard output. */
  static String ok(List<String> command) {
    Result r = run(command);
    if (r.exit() != 0) {
      throw new LabException(
          String.join(" ", command) + " exited " + r.exit() + ": " + r.err().strip());
    }
    return r.out();
  }

  static String ok(String... command) {
    return ok(List.of(command));
  }

  /** The command as run inside a network namespace. */
  static List<String> in(String namespace, List<String> command) {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    all.addAll(command);
    return all;
  }

  private static CompletableFuture<String> drain(InputStream in) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "";
          }
        });
  }
}
