package dev.shoal.swarm;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One engine in a namespace of {@link HolePunchLabTest}: {@code seed|leech|relay TORRENT FILE PUNCH
 * UTP HOST:PORT...} (PUNCH and UTP: on|off). Listens on 6881, dials the given peers (no tracker),
 * prints its progress each half second ("progress FROM_PEERS VERIFIED/COUNT"), the transports of
 * its peers ("transports utp,tcp", sorted) and "complete" once done. The relay is a leecher that
 * takes one block per 16 s, so it never has a piece to pass on: whatever the leecher (2 MiB/s at
 * most) gets, it gets from the seed.
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
    boolean utp = args[4].equals("on");
    List<InetSocketAddress> peers = new ArrayList<>();
    for (int i = 5; i < args.length; i++) {
      String[] hp = args[i].split(":");
      peers.add(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])));
    }
    try (Swarm swarm =
        Swarm.start(SwarmConfig.builder().listenPort(6881).holePunch(punch).utp(utp).build())) {
      TorrentJob.Builder job = TorrentJob.builder(torrent, file).announceUrl("").peers(peers);
      if (role.equals("relay")) {
        job.downCap(1);
      } else if (role.equals("leech")) {
        job.downCap(2 << 20); // a download of seconds, not a blink: the transports get printed
      }
      TorrentHandle h = swarm.add(job.build());
      boolean said = false;
      while (true) {
        Progress p = h.progress();
        out.println("progress " + p.fromPeers() + " " + p.piecesVerified() + "/" + p.pieceCount());
        List<String> transports = new ArrayList<>(swarm.peerTransports());
        transports.sort(null);
        out.println("transports " + String.join(",", transports));
        if (p.isComplete() && !said) {
          out.println("complete");
          said = true;
        }
        Thread.sleep(500);
      }
    }
  }
}
