package dev.shoal.sdk;

/**
 * The player's answers for both scopes.
 *
 * @param downloadFromPeers answer for {@link ConsentScope#DOWNLOAD_FROM_PEERS}
 * @param uploadToPeers answer for {@link ConsentScope#UPLOAD_TO_PEERS}
 */
public record ConsentState(ScopeState downloadFromPeers, ScopeState uploadToPeers) {

  /** The answer for {@code scope}. */
  public ScopeState get(ConsentScope scope) {
    return scope == ConsentScope.DOWNLOAD_FROM_PEERS ? downloadFromPeers : uploadToPeers;
  }
}
