package dev.shoal.sdk;

/** Receives the agent's status on each change; see {@link ShoalClient#subscribe}. */
@FunctionalInterface
public interface StatusListener {
  /** Called with the new status, on the executor given at subscription. */
  void onStatus(AgentStatus status);

  /**
   * Called when the event stream dropped (agent stopped, restarted...); the SDK reconnects by
   * itself. Default: ignore.
   */
  default void onDisconnected(ShoalException cause) {}
}
