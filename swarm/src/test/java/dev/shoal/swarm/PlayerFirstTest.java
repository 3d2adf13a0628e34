package dev.shoal.swarm;

import static dev.shoal.swarm.Fixtures.addressOf;
import static dev.shoal.swarm.Fixtures.seed;
import static dev.shoal.swarm.Fixtures.trackerless;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Loopback;
import dev.shoal.testsupport.OriginAlone;
import dev.shoal.testsupport.Torrents;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peers only ever add speed: with the publisher's origin seeder far faster than the players'
 * uplinks (the most common shape: a CDN-backed origin, home uplinks), each player finishes no later
 * than it would have from the origin alone, its fair share of the origin's rate among the players
 * downloading at each moment. With the old first-copy rule (the seeder refused a piece it had sent
 * to another player, and players asked it only for pieces no other peer had) the players waited on
 * each other's 300 KB/s uploads while the seeder sat idle.
 */
class PlayerFirstTest {
  @TempDir Path dir;

  private static final long ORIGIN_RATE = 10_000_000;
  private static final long PLAYER_UPLINK = 300_000;

  @Test
  void noPlayerIsSlowerThanTheOriginAloneWhenTheOriginOutrunsTheUplinks() throws Exception {
    Path data = GameBuilds.randomFile(dir, "pf.bin", 16L << 20, 41);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    long size = Files.size(data);
    double[] arrivals = {0, 0, 1.5}; // two start together, the third joins later
    int n = arrivals.length;
    List<Swarm> swarms = new ArrayList<>();
    try {
      Swarm origin = start(swarms, Fixtures.originSeeder(ORIGIN_RATE));
      TorrentHandle seed = seed(origin, trackerless(torrent, data));
      List<Swarm> players = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        players.add(start(swarms, Fixtures.loopback().globalUpCap(PLAYER_UPLINK).build()));
      }
      long[] startedAt = new long[n];
      long[] doneAt = new long[n];
      List<Thread> waiters = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        long wait = (long) (arrivals[i] * 1e9) - (System.nanoTime() - t0);
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000);
        }
        List<InetSocketAddress> peers = new ArrayList<>();
        peers.add(addressOf(origin));
        for (int j = 0; j < n; j++) {
          if (j != i) {
            peers.add(Loopback.address(players.get(j).listenPort()));
          }
        }
        startedAt[i] = System.nanoTime();
        TorrentHandle h =
            players
                .get(i)
                .add(trackerless(torrent, dir.resolve("p" + i + "/pf.bin")).peers(peers).build());
        int k = i;
        Thread w =
            new Thread(
                () -> {
                  try {
                    h.awaitCompletion(Duration.ofSeconds(120));
                    doneAt[k] = System.nanoTime();
                  } catch (Exception e) {
                    doneAt[k] = -1;
                  }
                });
        w.start();
        waiters.add(w);
      }
      for (Thread w : waiters) {
        w.join();
      }
      double[] reference = OriginAlone.times(size, ORIGIN_RATE, arrivals, new double[n]);
      double[] took = new double[n];
      for (int i = 0; i < n; i++) {
        assertThat(doneAt[i]).as("player %d completed", i).isPositive();
        took[i] = (doneAt[i] - startedAt[i]) / 1e9;
      }
      long sent = origin.onEngine(e -> seed.torrent().uploaded.total());
      System.out.printf(
          Locale.ROOT,
          "players took %s s; from the origin alone %s s; origin sent %.2f F%n",
          Arrays.toString(took),
          Arrays.toString(reference),
          sent / (double) size);
      for (int i = 0; i < n; i++) {
        assertThat(Files.mismatch(data, dir.resolve("p" + i + "/pf.bin"))).isEqualTo(-1L);
        // The promise is 1.05x + 1 s (the benchmark checks it); the margin absorbs a loaded
        // machine.
        assertThat(took[i])
            .as("player %d's time against the origin alone (%.1f s)", i, reference[i])
            .isLessThanOrEqualTo(1.25 * reference[i] + 2);
      }
    } finally {
      swarms.forEach(Swarm::close);
    }
  }

  /**
   * The origin is one budget: its seeder's engine and its HTTP side (here a thread taking 16 KiB
   * chunks, as the control plane's HTTP origin does for every chunk it writes) together send at the
   * budget's rate, not each at it.
   */
  @Test
  void theSeederAndTheHttpOriginShareOneBudget() throws Exception {
    Path data = GameBuilds.randomFile(dir, "budget.bin", 32L << 20, 42);
    byte[] torrent = Torrents.of(data, 256 * 1024, null);
    long rate = 2_000_000;
    UploadBudget budget = UploadBudget.of(rate);
    List<Swarm> swarms = new ArrayList<>();
    java.util.concurrent.atomic.AtomicLong http = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    Thread httpSide =
        new Thread(
            () -> {
              try {
                while (!stop.get()) {
                  budget.take(16 * 1024);
                  http.addAndGet(16 * 1024);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    try {
      Swarm origin =
          start(
              swarms,
              Fixtures.loopback()
                  .role(SwarmConfig.Role.ORIGIN_SEEDER)
                  .uploadBudget(budget)
                  .build());
      TorrentHandle seed = seed(origin, trackerless(torrent, data));
      Swarm player = start(swarms, Fixtures.loopback().uploadEnabled(false).build());
      TorrentHandle h =
          player.add(
              trackerless(torrent, dir.resolve("b/budget.bin"))
                  .peers(List.of(addressOf(origin)))
                  .build());
      httpSide.start();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> h.progress().fromOrigin() > 0);
      long seeder0 = origin.onEngine(e -> seed.torrent().uploaded.total());
      long http0 = http.get();
      long t0 = System.nanoTime();
      Thread.sleep(4000);
      long seeder = origin.onEngine(e -> seed.torrent().uploaded.total()) - seeder0;
      long viaHttp = http.get() - http0;
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "in %.1f s: seeder %d bytes, HTTP side %d bytes; budget %d B/s%n",
          secs,
          seeder,
          viaHttp,
          rate);
      assertThat(seeder).as("the seeder sent").isPositive();
      assertThat(viaHttp).as("the HTTP side sent").isPositive();
      assertThat((seeder + viaHttp) / secs)
          .as("seeder and HTTP together, bytes/s")
          .isLessThan(rate * 1.15);
    } finally {
      stop.set(true);
      httpSide.join(5000);
      swarms.forEach(Swarm::close);
    }
  }

  private static Swarm start(List<Swarm> swarms, SwarmConfig config) throws Exception {
    Swarm s = Swarm.start(config);
    swarms.add(s);
    return s;
  }
}
