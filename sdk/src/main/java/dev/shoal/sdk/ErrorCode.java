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
  /** No such endpoint (an older agent). */
  NOT_FOUND,
  /** The endpoint does not accept this method (an older agent). */
  METHOD_NOT_ALLOWED,
  /** The state changed, e.g. a consent text hash that is no longer current: show the text again. */
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
  /** A signature check failed. */
  SIGNATURE,
  /** A network problem on the agent's side. */
  NETWORK,
  /** The player is not entitled to this content. */
  ENTITLEMENT,
  /** An unexpected error in the agent. */
  INTERNAL,
  /** The agent is installed but does not answer (not started, stopped, or a stale token file). */
  AGENT_NOT_RUNNING,
  /** No agent data directory (or no executable where one was given): the agent is not installed. */
  AGENT_NOT_INSTALLED,
  /** The agent answered something the SDK does not understand (version mismatch or bug). */
  PROTOCOL
}
