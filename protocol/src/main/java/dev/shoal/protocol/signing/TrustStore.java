package dev.shoal.protocol.signing;

import dev.shoal.protocol.ProtocolException;
import java.util.List;

/**
 * The current trust root of a client: starts at a pinned root (shipped with the agent) and advances
 * only through valid rotations. Safe for concurrent use.
 */
public final class TrustStore {
  private volatile TrustRoot current;

  public TrustStore(TrustRoot pinned) {
    this.current = pinned;
  }

  public TrustRoot current() {
    return current;
  }

  /**
   * Applies one rotation.
   *
   * @throws RotationRejectedException and keeps the current root if the rotation is invalid
   */
  public synchronized TrustRoot rotate(SignedEnvelope newRoot) {
    current = current.rotate(newRoot);
    return current;
  }

  /**
   * Applies rotations in order, skipping those at or below the current version (so a client can be
   * handed the whole history). Stops at the first invalid one, keeping what was applied.
   *
   * @throws RotationRejectedException for the first invalid rotation
   */
  public synchronized TrustRoot applyChain(List<SignedEnvelope> chain) {
    for (SignedEnvelope envelope : chain) {
      TrustRoot proposed = peekVersion(envelope);
      if (proposed != null && proposed.version() <= current.version()) {
        continue;
      }
      rotate(envelope);
    }
    return current;
  }

  private static TrustRoot peekVersion(SignedEnvelope envelope) {
    try {
      return TrustRoot.parse(envelope.payload());
    } catch (ProtocolException e) {
      return null; // rotate() reports the malformed root with a precise message
    }
  }
}
