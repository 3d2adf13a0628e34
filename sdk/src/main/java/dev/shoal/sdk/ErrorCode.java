package dev.shoal.sdk;

/**
 * Why a call failed: the agent's own problem codes (see {@code local-api.yaml}) plus three the SDK
 * adds for failures that happen before or around the agent.
 */
public enum ErrorCode {
  /** The request was malformed (a bug in the caller or the SDK). */
  BAD_REQUEST,
  /** The token was refused (the agent restarted with a new token, or a foreign process). */
  UNAUTHORIZED,
  /** The agent refused the Host or Origin header. */
  FORBIDDEN_ORIGIN,
  /** No such endpoint (an older agent), or no such install id (the agent forgot it). */
  NOT_FOUND,
  /** The endpoint does not accept this method (an older agent). */
  METHOD_NOT_ALLOWED,
  /**
   * The state changed, e.g. a consent text hash that is no longer current (show the text again), or
   * the product/channel is already installed in, or being installed into, another directory.
   */
  CONFLICT,
  /** The request body was too large. */
  PAYLOAD_TOO_LARGE,
  /** The request was not JSON. */
  UNSUPPORTED_MEDIA_TYPE,
  /** Too many event streams are open on the agent. */
  TOO_MANY_SUBSCRIBERS,
  /** The player's disk is full. */
  DISK_FULL,
  /** A path was too long for the file system. */
  PATH_TOO_LONG,
  /**
   * A first install was pointed at a directory that already holds files Shoal did not write: ask
   * the player for a new or empty directory.
   */
  DIRECTORY_NOT_EMPTY,
  /**
   * A signature check failed: the manifest, a trust root rotation or a torrent does not verify
   * against the trust root the agent pinned when it enrolled.
   */
  SIGNATURE,
  /** A network problem on the agent's side (control plane or origin unreachable). */
  NETWORK,
  /**
   * The device is not entitled to the product (not granted by the publisher, revoked, or the
   * entitlement token was refused).
   */
  ENTITLEMENT,
  /** The agent is not enrolled with a control plane yet: {@link ShoalClient#enrol} first. */
  NOT_ENROLLED,
  /** The channel has no release for this device (yet): retry later. */
  NO_RELEASE,
  /** Downloaded or installed data did not match its signed hashes. */
  INTEGRITY,
  /** A path in the release would leave the install directory, or the directory is unusable. */
  UNSAFE_PATH,
  /** The install was cancelled (by {@link InstallHandle#cancel()} or because the agent stopped). */
  CANCELLED,
  /** A local I/O error on the player's machine (permissions, a file in use...). */
  IO,
  /** An unexpected error in the agent. */
  INTERNAL,
  /** The agent is installed but does not answer (not started, stopped, or a stale token file). */
  AGENT_NOT_RUNNING,
  /** No agent data directory (or no executable where one was given): the agent is not installed. */
  AGENT_NOT_INSTALLED,
  /** The agent answered something the SDK does not understand (version mismatch or bug). */
  PROTOCOL
}
