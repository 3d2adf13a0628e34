package dev.shoal.sdk;

/** Which pack an install downloads. */
public enum PackKind {
  /** The whole release: a first install, or no delta from the installed version. */
  FULL,
  /** Only the chunks that changed since the installed version. */
  DELTA
}
