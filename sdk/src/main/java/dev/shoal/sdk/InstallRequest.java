package dev.shoal.sdk;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What to install: the latest release of {@code product}/{@code channel} for this device, into
 * {@code directory}. Installing again later updates it (through a delta when the release has one),
 * or checks it when it is up to date.
 *
 * <pre>{@code
 * InstallRequest.of("mygame", "live", Path.of("/home/player/Games/mygame"))
 *     .withPriority(InstallPriority.BACKGROUND)
 *     .withEntitlementToken(tokenFromMyBackend);
 * }</pre>
 *
 * @param product the product's slug, as the publisher named it on the control plane
 * @param channel the channel, e.g. {@code live} or {@code beta}
 * @param directory where the game lives; made absolute against the working directory. Its parent
 *     must be writable by the agent (the new version is built next to it and renamed over it). A
 *     product/channel stays in the directory it was first installed into.
 * @param priority {@link InstallPriority#FOREGROUND} unless given
 * @param entitlementToken a publisher-signed entitlement token (EdDSA JWT) when the launcher's
 *     backend grants the game, or {@code null} when the publisher granted this device on the
 *     control plane
 */
public record InstallRequest(
    String product,
    String channel,
    Path directory,
    InstallPriority priority,
    String entitlementToken) {

  /** Checks the names and makes {@code directory} absolute. */
  public InstallRequest {
    requireName(product, "product");
    requireName(channel, "channel");
    Objects.requireNonNull(directory, "directory");
    directory = directory.toAbsolutePath().normalize();
    priority = priority == null ? InstallPriority.FOREGROUND : priority;
  }

  /** A foreground install without an entitlement token. */
  public static InstallRequest of(String product, String channel, Path directory) {
    return new InstallRequest(product, channel, directory, InstallPriority.FOREGROUND, null);
  }

  /** A copy with another priority. */
  public InstallRequest withPriority(InstallPriority p) {
    return new InstallRequest(product, channel, directory, p, entitlementToken);
  }

  /** A copy that presents {@code token} to the control plane as the entitlement. */
  public InstallRequest withEntitlementToken(String token) {
    return new InstallRequest(product, channel, directory, priority, token);
  }

  private static void requireName(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " is required");
    }
  }

  /** Does not show the entitlement token, which is a credential. */
  @Override
  public String toString() {
    return "InstallRequest[product="
        + product
        + ", channel="
        + channel
        + ", directory="
        + directory
        + ", priority="
        + priority
        + (entitlementToken == null ? "" : ", entitlementToken=…")
        + "]";
  }
}
