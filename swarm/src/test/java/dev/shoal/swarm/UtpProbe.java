package dev.shoal.swarm;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Our engine in a namespace of {@link UtpInteropLabTest} or {@link TransmissionUtpLabTest}, uTP on:
 * {@code seed|leech TORRENT FILE BIND PORT [HOST:PORT...]}. Prints "listening PORT", then each half
 * second "progress VERIFIED/COUNT" and "transports [..]" (how its peers are connected, once any
 * is), and "complete SECONDS" once done.
 */
public final class UtpProbe {
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    // Bounded even if the test that started it dies.
    LabCommands.haltAfter(180_000);
    byte[] torrent = Files.readAllBytes(Path.of(args[1]));
    Path file = Path.of(args[2]);
    List<InetSocketAddress> peers = new ArrayList<>();
    for (int i = 5; i < args.length; i++) {
      String[] hp = args[i].split(":");
      peers.add(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])));
    }
    SwarmConfig config =
        SwarmConfig.builder()
            .bindAddress(args[3])
            .listenPort(Integer.parseInt(args[4]))
            .holePunch(false)
            // -Dshoal.utp=false: the same run over TCP, to compare (by hand, see the report)
            .utp(!"false".equals(System.getProperty("shoal.utp")))
            // the veth pair is a private subnet of this host: as a LAN it would be dialled over TCP
            .lanNetworks(List.of())
            .build();
    // -Dshoal.tracker=PORT: a tracker on BIND:PORT, announced to, for a peer that learns of us
    // only that way (Transmission cannot be told a peer over RPC)
    int trackerPort = Integer.getInteger("shoal.tracker", 0);
    try (Swarm swarm = Swarm.start(config);
        TestTracker tracker =
            trackerPort == 0
                ? null
                : new TestTracker(new InetSocketAddress(args[3], trackerPort))) {
      out.println("listening " + swarm.listenPort());
      long start = System.nanoTime();
      String announce = tracker == null ? "" : tracker.url("lab");
      TorrentHandle h =
          swarm.add(TorrentJob.builder(torrent, file).announceUrl(announce).peers(peers).build());
      boolean said = false;
      TreeSet<String> seen = new TreeSet<>();
      while (true) {
        Progress p = h.progress();
        out.println("progress " + p.piecesVerified() + "/" + p.pieceCount());
        if (seen.addAll(swarm.peerTransports())) {
          out.println("transports " + seen);
        }
        if (p.isComplete() && !said) {
          out.printf("complete %.3f%n", (System.nanoTime() - start) / 1e9);
          said = true;
        }
        Thread.sleep(args[0].equals("seed") ? 500 : 50);
      }
    }
  }
}
