package dev.shoal.swarm;

/**
 * A snapshot of one torrent, refreshed by the engine about ten times a second.
 *
 * @param bytesDone verified bytes on disk
 * @param fromPeers payload bytes received from peers (including discarded duplicates and bad data)
 * @param fromOrigin payload bytes received from web seeds
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
