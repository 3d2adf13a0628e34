package dev.shoal.controlplane.identity;

/** What a user or API key may do within its organisation; each role includes the ones below it. */
public enum Role {
  /** Manages users and API keys, and everything a release manager does. */
  ADMIN,
  /** Creates products, channels and releases. */
  RELEASE_MANAGER,
  /** Reads. */
  VIEWER;

  /** The Spring Security authority this role is granted as. */
  public String authority() {
    return "ROLE_" + name();
  }
}
