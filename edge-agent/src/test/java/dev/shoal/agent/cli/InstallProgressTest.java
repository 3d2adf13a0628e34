package dev.shoal.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.json.Json;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The install progress bar: its rate for downloads shorter than the engine's rate sampling. */
class InstallProgressTest {
  static final long SECOND = 1_000_000_000L;

  @Test
  void aShortDownloadShowsItsAverageRateUntilTheAgentReportsOne() {
    InstallCommand.Speed speed = new InstallCommand.Speed();
    assertThat(speed.rate(0, 0, 0)).isZero();
    // 32.6 MB in 2 s, and the agent has not sampled a rate yet: the bar shows the average.
    assertThat(speed.rate(0, 16_300_000, SECOND)).isEqualTo(16_300_000);
    assertThat(speed.rate(0, 32_600_000, 2 * SECOND)).isEqualTo(16_300_000);
    // Once the agent reports one, that is shown.
    assertThat(speed.rate(12_000_000, 32_600_000, 2 * SECOND)).isEqualTo(12_000_000);
  }

  @Test
  void theBarPrintsTheRateItIsGiven() {
    JsonNode s =
        Json.MAPPER.readTree(
            "{\"state\":\"DOWNLOADING\",\"bytesDone\":16300000,\"bytesTotal\":32600000,"
                + "\"bytesPerSecond\":0,\"peers\":1,\"fromPeersShare\":0.5}");
    assertThat(InstallCommand.progressLine(s, 16_300_000))
        .contains("50%")
        .contains("16.3 MB/s")
        .doesNotContain(" 0 B/s");
  }
}
