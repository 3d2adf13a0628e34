package dev.shoal.agent.bandwidth;

/**
 * What the player chose. Rates in bytes per second and sizes in bytes, decimal units (1 MB = 10^6
 * bytes) as shown to players; 0 means unlimited for caps and for the monthly allowance. {@code
 * uploadHours} null means any time of day.
 */
public record BandwidthSettings(
    long uploadCapBytesPerSecond,
    long downloadCapBytesPerSecond,
    long monthlyUploadAllowanceBytes,
    UploadHours uploadHours,
    boolean metered,
    long quietModeDownloadCapBytesPerSecond) {

  public static final long MB = 1_000_000L;
  public static final long GB = 1_000_000_000L;

  /** Light by default: 1 MB/s up, downloads unthrottled, 20 GB a month, 1 MB/s while gaming. */
  public static final BandwidthSettings DEFAULTS =
      new BandwidthSettings(MB, 0, 20 * GB, null, false, MB);

  public BandwidthSettings {
    requireNonNegative(uploadCapBytesPerSecond, "uploadCapBytesPerSecond");
    requireNonNegative(downloadCapBytesPerSecond, "downloadCapBytesPerSecond");
    requireNonNegative(monthlyUploadAllowanceBytes, "monthlyUploadAllowanceBytes");
    // Quiet mode exists to slow downloads down; "unlimited" would silently defeat it.
    if (quietModeDownloadCapBytesPerSecond <= 0) {
      throw new IllegalArgumentException("quietModeDownloadCapBytesPerSecond must be positive");
    }
  }

  private static void requireNonNegative(long value, String name) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be 0 (unlimited) or positive");
    }
  }
}
