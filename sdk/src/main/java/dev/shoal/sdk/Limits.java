package dev.shoal.sdk;

/**
 * The player's bandwidth settings. Units are bytes and bytes per second, decimal (1 MB = 1 000 000
 * bytes); 0 means "no limit" for the caps and the allowance. Changing them changes the consent
 * texts (they quote the numbers), so fetch the text again before asking.
 *
 * @param uploadCapBytesPerSecond upload cap, 0 = none
 * @param downloadCapBytesPerSecond download cap, 0 = none
 * @param monthlyUploadAllowanceBytes monthly upload allowance, 0 = none
 * @param uploadHours local time window for uploads such as {@code "01:00-07:00"} (may wrap
 *     midnight), or {@code null} for any time
 * @param metered the player marked the connection metered (no uploads)
 * @param quietModeDownloadCapBytesPerSecond download cap while a game runs, at least 1
 */
public record Limits(
    long uploadCapBytesPerSecond,
    long downloadCapBytesPerSecond,
    long monthlyUploadAllowanceBytes,
    String uploadHours,
    boolean metered,
    long quietModeDownloadCapBytesPerSecond) {

  /** A copy with another upload cap. */
  public Limits withUploadCap(long bytesPerSecond) {
    return new Limits(
        bytesPerSecond,
        downloadCapBytesPerSecond,
        monthlyUploadAllowanceBytes,
        uploadHours,
        metered,
        quietModeDownloadCapBytesPerSecond);
  }

  /** A copy with another download cap. */
  public Limits withDownloadCap(long bytesPerSecond) {
    return new Limits(
        uploadCapBytesPerSecond,
        bytesPerSecond,
        monthlyUploadAllowanceBytes,
        uploadHours,
        metered,
        quietModeDownloadCapBytesPerSecond);
  }

  /** A copy with another monthly upload allowance. */
  public Limits withMonthlyUploadAllowance(long bytes) {
    return new Limits(
        uploadCapBytesPerSecond,
        downloadCapBytesPerSecond,
        bytes,
        uploadHours,
        metered,
        quietModeDownloadCapBytesPerSecond);
  }

  /** A copy with other upload hours ({@code null} = any time). */
  public Limits withUploadHours(String hours) {
    return new Limits(
        uploadCapBytesPerSecond,
        downloadCapBytesPerSecond,
        monthlyUploadAllowanceBytes,
        hours,
        metered,
        quietModeDownloadCapBytesPerSecond);
  }

  /** A copy with the metered flag changed. */
  public Limits withMetered(boolean isMetered) {
    return new Limits(
        uploadCapBytesPerSecond,
        downloadCapBytesPerSecond,
        monthlyUploadAllowanceBytes,
        uploadHours,
        isMetered,
        quietModeDownloadCapBytesPerSecond);
  }
}
