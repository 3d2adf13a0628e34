package dev.shoal.swarm.cli;

import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.swarm.Progress;
import dev.shoal.swarm.Swarm;
import dev.shoal.swarm.SwarmConfig;
import dev.shoal.swarm.TorrentHandle;
import dev.shoal.swarm.TorrentJob;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Command line: {@code seed}, {@code download} and {@code create}. Progress is JSON per second. */
@Command(
    name = "shoal-swarm",
    mixinStandardHelpOptions = true,
    subcommands = {SwarmCli.Seed.class, SwarmCli.Download.class, SwarmCli.Create.class})
public final class SwarmCli {
  private SwarmCli() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new SwarmCli()).execute(args));
  }

  /** The torrent and the options shared by seed and download. */
  static class Common {
    @Parameters(index = "0", description = "the .torrent file")
    Path torrent;

    @Option(names = "--tracker", description = "announce URL incl. passkey (default: torrent's)")
    String tracker;

    @Option(names = "--peer", description = "direct peer host:port (repeatable)")
    List<String> peers = new ArrayList<>();

    @Option(names = "--web-seed", description = "HTTP origin URL (repeatable)")
    List<URI> webSeeds = new ArrayList<>();

    @Option(names = "--up-cap", description = "upload cap bytes/s, 0 = unlimited")
    long upCap;

    @Option(names = "--down-cap", description = "download cap bytes/s, 0 = unlimited")
    long downCap;

    @Option(names = "--port", description = "listen port, 0 = random")
    int port;

    @Option(names = "--bind", description = "listen address", defaultValue = "0.0.0.0")
    String bind;

    @Option(names = "--no-upload", description = "leech only: no listening socket, no uploads")
    boolean noUpload;

    SwarmConfig config() {
      return SwarmConfig.builder()
          .listenPort(port)
          .bindAddress(bind)
          .globalUpCap(upCap)
          .globalDownCap(downCap)
          .uploadEnabled(!noUpload)
          .build();
    }

    TorrentJob.Builder job(byte[] torrent, Path data) {
      List<InetSocketAddress> direct = new ArrayList<>();
      for (String p : peers) {
        int colon = p.lastIndexOf(':');
        direct.add(
            new InetSocketAddress(p.substring(0, colon), Integer.parseInt(p.substring(colon + 1))));
      }
      TorrentJob.Builder job = TorrentJob.builder(torrent, data).peers(direct).webSeeds(webSeeds);
      return tracker == null
          ? (direct.isEmpty() ? job : job.announceUrl(""))
          : job.announceUrl(tracker);
    }
  }

  @Command(name = "seed", description = "seed an existing data file until killed")
  static final class Seed extends Common implements Callable<Integer> {
    @Parameters(index = "1")
    Path dataFile;

    @Override
    public Integer call() throws Exception {
      byte[] t = Files.readAllBytes(torrent);
      try (Swarm swarm = Swarm.start(config())) {
        TorrentHandle h = swarm.add(job(t, dataFile).recheckExisting(true).build());
        System.err.println("listening on port " + swarm.listenPort());
        long start = System.nanoTime();
        while (true) {
          Thread.sleep(1000);
          printProgress(System.out, h.progress(), start);
          if (h.progress().state() == Progress.State.ERROR) {
            return 1;
          }
        }
      }
    }
  }

  @Command(name = "download", description = "download into a directory; exit 0 when complete")
  static final class Download extends Common implements Callable<Integer> {
    @Parameters(index = "1")
    Path dir;

    @Option(names = "--seed", description = "keep seeding after completion (until killed)")
    boolean seedAfter;

    @Override
    public Integer call() throws Exception {
      byte[] t = Files.readAllBytes(torrent);
      Metainfo meta = Metainfo.parse(t);
      Path data = dir.resolve(meta.name());
      Path resume = dir.resolve(meta.name() + ".shoal-resume");
      try (Swarm swarm = Swarm.start(config())) {
        long startMs = System.currentTimeMillis();
        long start = System.nanoTime();
        TorrentHandle h =
            swarm.add(job(t, data).resumeFile(resume).seedAfterComplete(seedAfter).build());
        while (true) {
          try {
            h.awaitCompletion(Duration.ofSeconds(1));
            break;
          } catch (TimeoutException e) {
            printProgress(System.out, h.progress(), start);
          }
        }
        Progress p = h.progress();
        printProgress(System.out, p, start);
        System.out.printf(
            "{\"event\":\"complete\",\"elapsed\":%.3f,\"started_ms\":%d,\"finished_ms\":%d}%n",
            (System.nanoTime() - start) / 1e9, startMs, System.currentTimeMillis());
        System.out.flush();
        while (seedAfter) {
          Thread.sleep(1000);
          printProgress(System.out, h.progress(), start);
        }
        return 0;
      }
    }
  }

  @Command(name = "create", description = "create a private single-file torrent")
  static final class Create implements Callable<Integer> {
    @Parameters(index = "0")
    Path dataFile;

    @Parameters(index = "1")
    Path torrentOut;

    @Option(names = "--announce")
    String announce;

    @Option(names = "--piece-length", defaultValue = "262144")
    int pieceLength;

    @Override
    public Integer call() throws Exception {
      long len = Files.size(dataFile);
      int count = (int) ((len + pieceLength - 1) / pieceLength);
      byte[] pieces = new byte[count * 20];
      byte[] buf = new byte[pieceLength];
      try (InputStream in = Files.newInputStream(dataFile)) {
        for (int i = 0; i < count; i++) {
          int n = in.readNBytes(buf, 0, pieceLength);
          MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
          sha1.update(buf, 0, n);
          System.arraycopy(sha1.digest(), 0, pieces, i * 20, 20);
        }
      }
      byte[] t =
          Metainfo.createPrivate(
              announce, dataFile.getFileName().toString(), len, pieceLength, pieces);
      Files.write(torrentOut, t);
      System.out.println(Metainfo.parse(t).infoHashHex());
      return 0;
    }
  }

  static void printProgress(PrintStream out, Progress p, long startNanos) {
    out.printf(
        "{\"t\":%.1f,\"state\":\"%s\",\"done\":%d,\"total\":%d,\"down_rate\":%d,\"up_rate\":%d,"
            + "\"peers\":%d,\"from_peers\":%d,\"from_origin\":%d,\"uploaded\":%d,"
            + "\"banned\":%d}%n",
        (System.nanoTime() - startNanos) / 1e9,
        p.state().name().toLowerCase(java.util.Locale.ROOT),
        p.bytesDone(),
        p.total(),
        p.downRate(),
        p.upRate(),
        p.peers(),
        p.fromPeers(),
        p.fromOrigin(),
        p.uploaded(),
        p.peersBanned());
    out.flush();
  }
}
