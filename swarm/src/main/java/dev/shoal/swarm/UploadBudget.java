package dev.shoal.swarm;

import java.time.Duration;

/**
 * One upload rate shared by an engine and whoever else sends the same bytes: the publisher's origin
 * is one budget, its BitTorrent seeder and its HTTP web seed together. Give it to the seeder's
 * engine ({@link SwarmConfig.Builder#uploadBudget}) and have the HTTP side {@link #take} from it
 * for every chunk it writes. Thread-safe; rate 0 = unlimited.
 */
public final class UploadBudget {
  final TokenBucket bucket;

  private UploadBudget(long bytesPerSecond) {
    this.bucket = new TokenBucket(bytesPerSecond);
  }

  /** A budget of {@code bytesPerSecond} (0 = unlimited). */
  public static UploadBudget of(long bytesPerSecond) {
    return new UploadBudget(bytesPerSecond);
  }

  /** The rate in bytes per second; 0 = unlimited. */
  public long rate() {
    return bucket.rate();
  }

  /** Changes the rate while running (0 = unlimited). */
  public void setRate(long bytesPerSecond) {
    bucket.setRate(bytesPerSecond);
  }

  /**
   * Takes {@code bytes} from the budget, waiting until the rate allows them. A chunk larger than
   * the bucket's burst goes out once the bucket is full and leaves it in debt, which the next
   * takers (the engine's peers included) pay off first.
   *
   * @return how long the caller waited
   */
  public Duration take(long bytes) throws InterruptedException {
    long start = System.nanoTime();
    while (true) {
      long wait = bucket.tryTake(bytes, System.nanoTime());
      if (wait == 0) {
        return Duration.ofNanos(System.nanoTime() - start);
      }
      Thread.sleep(Math.max(1, wait / 1_000_000), (int) Math.min(999_999, wait % 1_000_000));
    }
  }
}
