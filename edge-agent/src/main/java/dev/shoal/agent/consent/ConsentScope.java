package dev.shoal.agent.consent;

/**
 * What the player can say yes to. Each is asked separately and is off until the player says yes.
 */
public enum ConsentScope {
  DOWNLOAD_FROM_PEERS("download"),
  UPLOAD_TO_PEERS("upload");

  private final String shortName;

  ConsentScope(String shortName) {
    this.shortName = shortName;
  }

  /** The name used on the command line and in query strings: {@code download} or {@code upload}. */
  public String shortName() {
    return shortName;
  }

  /** Accepts the short name or the enum name, any case. */
  public static ConsentScope parse(String text) {
    for (ConsentScope s : values()) {
      if (s.shortName.equalsIgnoreCase(text) || s.name().equalsIgnoreCase(text)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown consent scope '" + text + "' (use download or upload)");
  }
}
