package dev.shoal.agent.bandwidth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BandwidthSettingsTest {
  @Test
  void defaultsAreLight() {
    assertThat(BandwidthSettings.DEFAULTS.monthlyUploadAllowanceBytes()).isEqualTo(20_000_000_000L);
    assertThat(BandwidthSettings.DEFAULTS.quietModeDownloadCapBytesPerSecond())
        .isEqualTo(1_000_000);
    assertThat(BandwidthSettings.DEFAULTS.metered()).isFalse();
  }

  @Test
  void rejectsNegativeAndUnlimitedQuietMode() {
    assertThatThrownBy(() -> new BandwidthSettings(-1, 0, 0, null, false, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BandwidthSettings(0, 0, 0, null, false, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
