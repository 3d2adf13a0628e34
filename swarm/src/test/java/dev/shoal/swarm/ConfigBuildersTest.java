package dev.shoal.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The builders of SwarmConfig and TorrentJob: their defaults, and the checks when built. */
class ConfigBuildersTest {

  @Test
  void swarmConfigDefaults() {
    SwarmConfig c = SwarmConfig.defaults();
    assertThat(c)
        .isEqualTo(
            new SwarmConfig(
                0,
                "0.0.0.0",
                SwarmConfig.Role.PLAYER,
                200,
                8,
                256,
                0,
                0,
                true,
                "Shoal/0.1",
                Duration.ofSeconds(2),
                64 * 1024,
                null,
                true,
                null,
                null,
                false));
    assertThat(c.isOrigin()).isFalse();
    assertThat(c.toBuilder().build()).isEqualTo(c);
  }

  @Test
  void theOriginRoleIsSetNotInferred() {
    SwarmConfig origin = SwarmConfig.builder().role(SwarmConfig.Role.ORIGIN_SEEDER).build();
    assertThat(origin.isOrigin()).isTrue();
    assertThat(origin.role().peerIdPrefix()).isEqualTo(SwarmConfig.ORIGIN_PEER_ID_PREFIX);
    assertThat(SwarmConfig.Role.PLAYER.peerIdPrefix())
        .isEqualTo(SwarmConfig.DEFAULT_PEER_ID_PREFIX);
  }

  @Test
  void swarmConfigIsCheckedWhenBuilt() {
    assertThatThrownBy(() -> SwarmConfig.builder().listenPort(65536).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SwarmConfig.builder().uploadSlots(0).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SwarmConfig.builder().maxRequestsPerPeer(3).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SwarmConfig.builder().globalDownCap(-1).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SwarmConfig.builder().role(null).build())
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> SwarmConfig.builder().lanNetworks(List.of("lan.example")).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SwarmConfig.builder().lanNetworks(List.of("10.0.0.0/33")).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(SwarmConfig.builder().lanNetworks(List.of("192.168.1.0/24", "fd00::/8")).build())
        .isNotNull();
  }

  @Test
  void torrentJobDefaultsAndChecks() {
    byte[] torrent = {1, 2, 3};
    TorrentJob job = TorrentJob.of(torrent, Path.of("a.pak"));
    assertThat(job.announceUrl()).isNull();
    assertThat(job.peers()).isEmpty();
    assertThat(job.webSeeds()).isEmpty();
    assertThat(job.pieceSha256()).isNull();
    assertThat(job.seedAfterComplete()).isTrue();
    assertThat(job.resumeFile()).isNull();
    assertThat(job.recheckExisting()).isTrue();
    assertThat(job.upCap()).isZero();
    assertThat(job.downCap()).isZero();
    assertThat(job.onPieceVerified()).isNull();
    assertThatThrownBy(() -> TorrentJob.builder(null, Path.of("a.pak")).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TorrentJob.builder(torrent, Path.of("a.pak")).upCap(-1).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                TorrentJob.builder(torrent, Path.of("a.pak"))
                    .pieceSha256(List.of(new byte[20]))
                    .build())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
