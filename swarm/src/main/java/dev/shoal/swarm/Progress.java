package dev.shoal.swarm;

/**
 * A snapshot of one torrent, refreshed by the engine about ten times a second.
 *
 * @param bytesDone verified bytes on disk
 * @param fromPeers payload bytes received from other peers (including discarded duplicates and bad
 *     data)
 * @param fromOrigin payload bytes received from the origin: web seeds, and the publisher's origin
 *     seeder over BitTorrent (an engine of {@link SwarmConfig.Role#ORIGIN_SEEDER}, told apart by
 *     its peer id prefix {@link SwarmConfig#ORIGIN_PEER_ID_PREFIX})
 * @param uploaded PIECE payload bytes sent to peers
 * @param peersBanned peers of this torrent banned in this session (bad data, lies, floods,
 *     oversized or out-of-range messages)
 */
public record Progress(
    State state,
    long bytesDone,
    long total,
    long downRate,
    long upRate,
    int peers,
    long fromPeers,
    long fromOrigin,
    long uploaded,
    int piecesVerified,
    int pieceCount,
    int peersBanned) {

  public enum State {
    CHECKING,
    DOWNLOADING,
    SEEDING,
    COMPLETE,
    PAUSED,
    ERROR,
    CLOSED
  }

  public boolean isComplete() {
    return piecesVerified == pieceCount;
  }
}
