package dev.shoal.testkit.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The delay probe's record (testkit/lab/background.py ping): one line per small datagram, {@code R
 * <sent_ms> <rtt_ms>} when answered, {@code L <sent_ms>} when not within 3 s. A window is the
 * datagrams sent between two instants (ms since the epoch).
 */
final class DelayProbe {
  /** One window's datagrams: round-trip times of those answered, and how many were lost. */
  record Window(List<Double> rttMs, int lost) {
    Window {
      rttMs = List.copyOf(rttMs);
    }

    /** Nearest-rank percentile (0 < p <= 1) of the answered round trips; NaN when none. */
    double percentile(double p) {
      if (p <= 0 || p > 1) {
        throw new IllegalArgumentException("percentile: 0 < p <= 1");
      }
      if (rttMs.isEmpty()) {
        return Double.NaN;
      }
      List<Double> sorted = rttMs.stream().sorted().toList();
      int rank = (int) Math.ceil(p * sorted.size());
      return sorted.get(Math.max(0, rank - 1));
    }

    double median() {
      return percentile(0.5);
    }

    /** Lost over sent; NaN when nothing was sent in the window. */
    double loss() {
      int sent = rttMs.size() + lost;
      return sent == 0 ? Double.NaN : (double) lost / sent;
    }

    /**
     * The 95th percentile's queueing delay added over an idle link: p95 of this window minus the
     * idle window's median (the idle round trip is the lab's own, a fraction of a millisecond).
     * Lost datagrams are not in it (see {@link #loss()}): tbf drops what its full queue cannot
     * take.
     */
    double addedDelayP95(Window idle) {
      return percentile(0.95) - idle.median();
    }
  }

  private DelayProbe() {}

  static Window window(List<String> lines, double fromMs, double toMs) {
    List<Double> rtts = new ArrayList<>();
    int lost = 0;
    for (String line : lines) {
      String[] f = line.strip().split("\\s+");
      if (f.length < 2 || !(f[0].equals("R") || f[0].equals("L"))) {
        continue; // a line cut short by the kill at the end, or anything else
      }
      double sent;
      try {
        sent = Double.parseDouble(f[1]);
      } catch (NumberFormatException e) {
        continue;
      }
      if (sent < fromMs || sent >= toMs) {
        continue;
      }
      if (f[0].equals("L")) {
        lost++;
      } else if (f.length >= 3) {
        try {
          rtts.add(Double.parseDouble(f[2]));
        } catch (NumberFormatException e) {
          // cut short: ignored
        }
      }
    }
    return new Window(rtts, lost);
  }

  static Window window(Path log, double fromMs, double toMs) {
    try {
      return window(Files.readAllLines(log), fromMs, toMs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
