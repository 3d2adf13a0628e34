package dev.shoal.testsupport;

import java.util.Arrays;

/**
 * How long each player would take to download a file of {@code F} bytes from the origin alone: the
 * origin's rate {@code u_s} shared fairly (max-min, "water-filling") among the players downloading
 * at each moment, each held to its own download cap. Players arrive at given times; the result is
 * each player's time from its own arrival. This is the reference the swarm must never be slower
 * than: with it, a player's download is never slower than from the origin.
 */
public final class OriginAlone {
  private OriginAlone() {}

  /**
   * @param fileBytes F
   * @param originRate u_s in bytes per second
   * @param arrivals each player's start, in seconds (any order)
   * @param downCaps each player's download cap in bytes per second (0: none); same length
   * @return each player's completion time measured from its own arrival, in seconds
   */
  public static double[] times(
      double fileBytes, double originRate, double[] arrivals, double[] downCaps) {
    int n = arrivals.length;
    if (downCaps.length != n || originRate <= 0 || fileBytes <= 0) {
      throw new IllegalArgumentException("one cap per player, positive rate and size");
    }
    double[] left = new double[n];
    Arrays.fill(left, fileBytes);
    double[] done = new double[n];
    Arrays.fill(done, -1);
    double now = Arrays.stream(arrivals).min().orElse(0);
    int finished = 0;
    while (finished < n) {
      double[] rate = rates(originRate, arrivals, downCaps, left, done, now);
      // The next event: an arrival, or a player finishing at the current rates.
      double next = Double.POSITIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        if (arrivals[i] > now) {
          next = Math.min(next, arrivals[i]);
        } else if (done[i] < 0 && rate[i] > 0) {
          next = Math.min(next, now + left[i] / rate[i]);
        }
      }
      double dt = next - now;
      for (int i = 0; i < n; i++) {
        if (done[i] < 0 && arrivals[i] <= now) {
          left[i] -= rate[i] * dt;
          if (left[i] <= fileBytes * 1e-12) {
            done[i] = next - arrivals[i];
            finished++;
          }
        }
      }
      now = next;
    }
    return done;
  }

  /** Players starting together without download caps: N·F/u_s each. */
  public static double[] together(double fileBytes, double originRate, int players) {
    return times(fileBytes, originRate, new double[players], new double[players]);
  }

  /** Max-min fair shares of {@code originRate} among the players downloading {@code now}. */
  private static double[] rates(
      double originRate,
      double[] arrivals,
      double[] downCaps,
      double[] left,
      double[] done,
      double now) {
    int n = arrivals.length;
    double[] rate = new double[n];
    boolean[] open = new boolean[n];
    int count = 0;
    for (int i = 0; i < n; i++) {
      open[i] = arrivals[i] <= now && done[i] < 0 && left[i] > 0;
      count += open[i] ? 1 : 0;
    }
    double budget = originRate;
    while (count > 0) {
      double share = budget / count;
      boolean capped = false;
      for (int i = 0; i < n; i++) {
        if (open[i] && downCaps[i] > 0 && downCaps[i] <= share) {
          rate[i] = downCaps[i];
          budget -= downCaps[i];
          open[i] = false;
          count--;
          capped = true;
        }
      }
      if (!capped) {
        for (int i = 0; i < n; i++) {
          if (open[i]) {
            rate[i] = share;
          }
        }
        break;
      }
    }
    return rate;
  }
}
