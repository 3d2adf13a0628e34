package dev.shoal.swarm;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One engine in a namespace of {@link HolePunchLabTest}: {@code seed|leech|relay TORRENT FILE
 * on|off HOST:PORT...}. Listens on 6881, dials the given peers (no tracker), prints its progress
 * each half second ("progress FROM_PEERS VERIFIED/COUNT") and "complete" once done. The relay is a
 * leecher that takes one block per 16 s, so it never has a piece to pass on: whatever the leecher
 * gets, it gets from the seed.
 */
public final class HolePunchProbe {
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    // Bounded even if the test that started it dies: gone after 90 s whatever happens.
    LabCommands.haltAfter(90_000);
    String role = args[0];
    byte[] torrent = Files.readAllBytes(Path.of(args[1]));
    Path file = Path.of(args[2]);
    boolean punch = args[3].equals("on");
    List<InetSocketAddress> peers = new ArrayList<>();
    for (int i = 4; i < args.length; i++) {
      String[] hp = args[i].split(":");
      peers.add(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])));
    }
    try (Swarm swarm =
        Swarm.start(
            // TCP only: over uTP the crossing SYNs of both dials punch the cone NATs by
            // themselves, so this lab would not show what BEP 55 adds
            SwarmConfig.builder().listenPort(6881).holePunch(punch).utp(false).build())) {
      TorrentJob.Builder job = TorrentJob.builder(torrent, file).announceUrl("").peers(peers);
      if (role.equals("relay")) {
        job.downCap(1);
      }
      TorrentHandle h = swarm.add(job.build());
      boolean said = false;
      while (true) {
        Progress p = h.progress();
        out.println("progress " + p.fromPeers() + " " + p.piecesVerified() + "/" + p.pieceCount());
        if (p.isComplete() && !said) {
          out.println("complete");
          said = true;
        }
        Thread.sleep(500);
      }
    }
  }
}
