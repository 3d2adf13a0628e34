package dev.shoal.swarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.protocol.torrent.Metainfo;
import dev.shoal.swarm.ExternalPeer;
import dev.shoal.swarm.Fixtures;
import dev.shoal.swarm.Swarm;
import dev.shoal.swarm.TorrentJob;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Torrents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/shoal-swarm as a real process: create, then download from an in-process seeder. */
class CliTest {
  static final Path SCRIPT = Path.of("bin/shoal-swarm").toAbsolutePath();
  @TempDir Path dir;

  @Test
  void createAndDownloadPrintJsonProgressAndExitZero() throws Exception {
    Path data = GameBuilds.randomFile(dir, "cli.bin", 6L << 20, 13);
    Path torrentFile = dir.resolve("cli.torrent");
    try (ExternalPeer create =
        cli("create", data.toString(), torrentFile.toString(), "--piece-length", "65536")) {
      assertThat(create.exitCode(Duration.ofSeconds(60))).as(create.log.toString()).isZero();
    }
    byte[] torrent = Files.readAllBytes(torrentFile);
    assertThat(Metainfo.parse(torrent).isPrivate()).isTrue();
    try (Swarm seeder = Swarm.start(Fixtures.loopback().build())) {
      seeder
          .add(TorrentJob.builder(torrent, data).announceUrl("").build())
          .awaitCompletion(Duration.ofSeconds(30));
      Path out = dir.resolve("out");
      try (ExternalPeer dl =
          cli(
              "download",
              torrentFile.toString(),
              out.toString(),
              "--peer",
              "127.0.0.1:" + seeder.listenPort(),
              "--bind",
              "127.0.0.1",
              "--no-upload",
              "--down-cap",
              "4000000")) {
        assertThat(dl.exitCode(Duration.ofSeconds(60))).as(dl.log.toString()).isZero();
        String log = dl.log.toString();
        assertThat(log).contains("\"event\":\"complete\"");
        assertThat(log)
            .containsPattern(
                "\\{\"t\":[0-9.]+,\"state\":\"\\w+\",\"done\":\\d+,\"total\":6291456,\"down_rate\":\\d+,"
                    + "\"up_rate\":\\d+,\"peers\":\\d+,\"from_peers\":\\d+,\"from_origin\":0,"
                    + "\"uploaded\":0,\"banned\":0\\}");
      }
      assertThat(Torrents.sha256(out.resolve("cli.bin"))).isEqualTo(Torrents.sha256(data));
    }
  }

  /** {@code seed --peer}: the seed dials a libtorrent leecher that never dials anyone itself. */
  @Test
  void seedDialsItsPeer() throws Exception {
    Path data = GameBuilds.randomFile(dir, "seed.bin", 4L << 20, 14);
    Path torrentFile = Files.write(dir.resolve("seed.torrent"), Torrents.of(data, 65536, null));
    Path out = Files.createDirectories(dir.resolve("lt"));
    try (ExternalPeer lt = ExternalPeer.libtorrent("download", torrentFile, out)) {
      String port = lt.await("PORT", Duration.ofSeconds(30)).split(" ")[1];
      try (ExternalPeer seed =
          cli(
              "seed",
              torrentFile.toString(),
              data.toString(),
              "--peer",
              "127.0.0.1:" + port,
              "--bind",
              "127.0.0.1")) {
        lt.await("DONE", Duration.ofSeconds(60));
      }
    }
    assertThat(Torrents.sha256(out.resolve("seed.bin"))).isEqualTo(Torrents.sha256(data));
  }

  /** Runs the {@code shoal-swarm} script with these arguments. */
  private static ExternalPeer cli(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
    command.addAll(List.of(args));
    return new ExternalPeer(command);
  }
}
