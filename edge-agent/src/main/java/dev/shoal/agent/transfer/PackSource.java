package dev.shoal.agent.transfer;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;

/**
 * Where one pack can come from, as the control plane describes it.
 *
 * @param fileName name of the data file inside the agent's cache directory (no path separators)
 * @param torrent the pack's torrent (single-file, private)
 * @param pieceSha256 per-piece SHA-256 from the signed manifest, or null
 * @param announceUrl the tracker announce URL with this device's passkey, or null for none
 * @param peers peers the control plane suggests, possibly empty
 * @param webSeed the origin base URL (the file name is appended when it ends in "/"), or null
 */
public record PackSource(
    String fileName,
    byte[] torrent,
    List<byte[]> pieceSha256,
    String announceUrl,
    List<InetSocketAddress> peers,
    URI webSeed) {

  public PackSource {
    if (fileName == null
        || fileName.isEmpty()
        || fileName.contains("/")
        || fileName.contains("\\")
        || fileName.equals(".")
        || fileName.equals("..")) {
      throw new IllegalArgumentException("fileName must be a plain file name");
    }
    if (torrent == null) {
      throw new IllegalArgumentException("torrent is required");
    }
    torrent = torrent.clone();
    pieceSha256 = pieceSha256 == null ? null : List.copyOf(pieceSha256);
    peers = List.copyOf(peers == null ? List.of() : peers);
  }
}
