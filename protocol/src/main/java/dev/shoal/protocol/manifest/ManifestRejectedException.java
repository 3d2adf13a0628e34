package dev.shoal.protocol.manifest;

import dev.shoal.protocol.ProtocolException;

/** Why a client refused a manifest; the message names the field or rule. */
public class ManifestRejectedException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  /** The check that failed, in the order {@link ManifestVerifier} applies them. */
  public enum Reason {
    TOO_LARGE,
    /** A signature does not verify over the payload (forged or corrupted). */
    BAD_SIGNATURE,
    /** Fewer than the threshold of trusted keys signed, or the trust root itself is unusable. */
    UNTRUSTED_KEY,
    MALFORMED,
    INCONSISTENT,
    WRONG_PRODUCT,
    WRONG_CHANNEL,
    EXPIRED,
    ROLLBACK,
    /**
     * The channel head (the short-lived "this is the latest") expired: a replay, or a stale cache.
     */
    STALE,
    /** The manifest is not the release the channel head names: an older one was replayed. */
    NOT_LATEST
  }

  private final Reason reason;

  public ManifestRejectedException(Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  public ManifestRejectedException(Reason reason, String message, Throwable cause) {
    super(reason + ": " + message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
