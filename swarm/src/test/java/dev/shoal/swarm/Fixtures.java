package dev.shoal.swarm;

import dev.shoal.testsupport.Loopback;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * What the swarm tests share beyond test-support: the Python of the interop tests, a loopback
 * engine configuration (swarm-cli's tests use it too, through swarm's test jar) and the trackerless
 * jobs the tests seed and fetch with.
 */
public final class Fixtures {
  static final String PYTHON = "/usr/bin/python3";

  private Fixtures() {}

  /** An engine on 127.0.0.1 with the default settings, to adjust and build. */
  public static SwarmConfig.Builder loopback() {
    return SwarmConfig.builder().bindAddress("127.0.0.1");
  }

  /** The publisher's origin seeder on loopback, its budget {@code upCap} bytes/s. */
  static SwarmConfig originSeeder(long upCap) {
    return loopback().role(SwarmConfig.Role.ORIGIN_SEEDER).globalUpCap(upCap).build();
  }

  /** A job that never announces: its peers are given, to adjust and build. */
  static TorrentJob.Builder trackerless(byte[] torrent, Path file) {
    return TorrentJob.builder(torrent, file).announceUrl("");
  }

  /** Adds the complete {@code job} to {@code swarm} and waits (30 s at most) until it seeds. */
  static TorrentHandle seed(Swarm swarm, TorrentJob.Builder job)
      throws IOException, TimeoutException, InterruptedException {
    TorrentHandle seed = swarm.add(job.build());
    seed.awaitCompletion(Duration.ofSeconds(30));
    return seed;
  }

  /** Downloads into {@code out} from the given peers alone. */
  static TorrentHandle fetch(Swarm swarm, byte[] torrent, Path out, InetSocketAddress... peers)
      throws IOException {
    return swarm.add(trackerless(torrent, out).peers(List.of(peers)).build());
  }

  /** Where {@code swarm} listens on the loopback. */
  /**
   * How {@code swarm}'s peers were connected ("tcp", "utp") while {@code h} downloaded: looked at
   * until it completes, as peers part once both are seeds.
   */
  static java.util.Set<String> transportsWhileDownloading(Swarm swarm, TorrentHandle h)
      throws InterruptedException {
    java.util.Set<String> seen = new java.util.HashSet<>();
    while (!h.progress().isComplete()) {
      seen.addAll(swarm.peerTransports());
      Thread.sleep(5);
    }
    return seen;
  }

  static InetSocketAddress addressOf(Swarm swarm) {
    return Loopback.address(swarm.listenPort());
  }
}
