package dev.shoal.sdk.examples;

import dev.shoal.sdk.InstallListener;
import dev.shoal.sdk.InstallProgress;
import dev.shoal.sdk.InstallState;
import dev.shoal.sdk.ShoalException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Draws an install's progress: one line redrawn in place on a terminal, or a line per state change
 * and per 10 % otherwise (logs, tests). Called by the SDK on one thread at a time.
 */
final class ProgressBar implements InstallListener {
  private static final int WIDTH = 30;

  private final PrintStream out;
  private final boolean inPlace;
  private InstallState lastState;
  private long lastTenth = -1;
  private long shownDone; // the agent reports 0 while paused: keep showing what was done
  private boolean drawn;

  ProgressBar(PrintStream out, boolean inPlace) {
    this.out = out;
    this.inPlace = inPlace;
  }

  @Override
  public void onProgress(InstallProgress p) {
    if (p.state() == InstallState.DOWNLOADING || p.bytesDone() > 0) {
      shownDone = p.bytesDone();
    } else if (p.state() == InstallState.COMPLETED || p.state() == InstallState.INSTALLING) {
      shownDone = p.bytesTotal();
    }
    long tenth = p.bytesTotal() > 0 ? shownDone * 10 / p.bytesTotal() : 0;
    String line = line(p);
    if (inPlace) {
      out.print("\r" + line + "   ");
      drawn = true;
    } else if (p.state() != lastState || tenth != lastTenth) {
      out.println(line);
    }
    out.flush();
    lastState = p.state();
    lastTenth = tenth;
  }

  @Override
  public void onDisconnected(ShoalException cause) {
    finish();
    out.println("Lost the Shoal agent for a moment (" + cause.getMessage() + "), retrying...");
  }

  /** Ends the in-place line. */
  void finish() {
    if (drawn) {
      out.println();
      drawn = false;
    }
  }

  private String line(InstallProgress p) {
    StringBuilder b = new StringBuilder();
    if (p.bytesTotal() > 0) {
      double f = Math.min(1, (double) shownDone / p.bytesTotal());
      int filled = (int) Math.round(f * WIDTH);
      b.append('[')
          .append("#".repeat(filled))
          .append(".".repeat(WIDTH - filled))
          .append("] ")
          .append(String.format(Locale.ROOT, "%3d%% ", Math.round(f * 100)))
          .append(size(shownDone))
          .append(" / ")
          .append(size(p.bytesTotal()))
          .append(p.packKind() != null ? " " + p.packKind().name().toLowerCase(Locale.ROOT) : "");
    } else {
      b.append('[').append(" ".repeat(WIDTH)).append("]");
    }
    b.append("  ").append(p.state());
    if (p.state() == InstallState.DOWNLOADING) {
      b.append("  ").append(size(p.bytesPerSecond())).append("/s");
      if (p.eta() != null) {
        b.append("  ETA ").append(eta(p.eta()));
      }
      b.append(
          String.format(
              Locale.ROOT,
              "  peers %d (%d%% from peers)",
              p.peers(),
              Math.round(p.fromPeersShare() * 100)));
      switch (p.health()) {
        case ORIGIN_ONLY -> b.append("  from our servers only (no peer consent)");
        case NO_PEERS -> b.append("  no other players found");
        case STALLED -> b.append("  stalled: check your connection");
        default -> {}
      }
    }
    return b.toString();
  }

  static String size(long bytes) {
    if (bytes >= 1_000_000_000) {
      return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }
    if (bytes >= 1_000_000) {
      return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
    if (bytes >= 1_000) {
      return String.format(Locale.ROOT, "%.0f kB", bytes / 1e3);
    }
    return bytes + " B";
  }

  private static String eta(Duration d) {
    long s = d.toSeconds();
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
