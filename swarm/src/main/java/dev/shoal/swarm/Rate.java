package dev.shoal.swarm;

/** A byte counter with a smoothed per-second rate, sampled once a second by the engine. */
final class Rate {
  private long total;
  private long lastTotal;
  private double rate;

  void add(long bytes) {
    total += bytes;
  }

  long total() {
    return total;
  }

  void sample(double seconds) {
    double instant = (total - lastTotal) / Math.max(seconds, 1e-3);
    lastTotal = total;
    rate = rate == 0 ? instant : 0.5 * rate + 0.5 * instant;
  }

  long perSecond() {
    return (long) rate;
  }
}
