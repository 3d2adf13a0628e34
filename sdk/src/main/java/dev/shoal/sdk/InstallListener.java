package dev.shoal.sdk;

/** Receives an install's progress; see {@link InstallHandle#onProgress}. */
@FunctionalInterface
public interface InstallListener {
  /**
   * Called with the current snapshot at once, then with each changed snapshot, the final one
   * ({@link InstallState#isFinal()}) last. Calls are made on the executor given at registration,
   * one at a time and in order.
   */
  void onProgress(InstallProgress progress);

  /**
   * Called once when the agent stops answering while the install runs (the SDK keeps trying), and
   * again at each later outage. Default: ignore.
   */
  default void onDisconnected(ShoalException cause) {}
}
