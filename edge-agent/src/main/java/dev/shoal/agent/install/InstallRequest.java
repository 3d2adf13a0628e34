package dev.shoal.agent.install;

import dev.shoal.protocol.manifest.ReleaseManifest;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a launcher asks for: install or update {@code product}/{@code channel} into {@code
 * directory}.
 *
 * @param priority background installs wait while a foreground one runs
 * @param entitlementToken a publisher-signed entitlement token, or null when the device was granted
 *     the product through the control plane
 */
public record InstallRequest(
    String product, String channel, Path directory, Priority priority, String entitlementToken) {

  /** Foreground installs go first; background ones wait for them. */
  public enum Priority {
    FOREGROUND,
    BACKGROUND
  }

  public InstallRequest {
    requireToken(product, "product");
    requireToken(channel, "channel");
    Objects.requireNonNull(directory, "directory");
    if (!directory.isAbsolute()) {
      throw new IllegalArgumentException("directory must be an absolute path");
    }
    directory = directory.normalize();
    if (directory.getParent() == null) {
      throw new IllegalArgumentException("directory must not be a file system root");
    }
    priority = priority == null ? Priority.FOREGROUND : priority;
    if (entitlementToken != null && entitlementToken.length() > 4096) {
      throw new IllegalArgumentException("entitlementToken is longer than 4096 characters");
    }
  }

  private static void requireToken(String value, String field) {
    if (value == null
        || value.isEmpty()
        || value.length() > ReleaseManifest.MAX_TOKEN_LENGTH
        || !value.matches("[A-Za-z0-9][A-Za-z0-9._:-]*")) {
      throw new IllegalArgumentException(field + " must be a product/channel name");
    }
  }
}
