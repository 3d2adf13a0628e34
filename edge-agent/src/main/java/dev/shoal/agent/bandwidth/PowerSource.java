package dev.shoal.agent.bandwidth;

/**
 * Where the computer's power comes from. UNKNOWN is treated as mains (desktops have no battery).
 */
public enum PowerSource {
  MAINS,
  BATTERY,
  UNKNOWN
}
