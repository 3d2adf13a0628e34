package dev.shoal.agent.bandwidth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The decoding of SYSTEM_POWER_STATUS; the kernel32 call itself only runs on Windows. */
class WindowsPowerTest {
  @Test
  void decodesAcLineStatusAndBatteryFlag() {
    assertThat(WindowsPower.classify(1, 8)).isEqualTo(PowerSource.MAINS);
    assertThat(WindowsPower.classify(0, 1)).isEqualTo(PowerSource.BATTERY);
    assertThat(WindowsPower.classify(0, 128))
        .as("no battery at all")
        .isEqualTo(PowerSource.UNKNOWN);
    assertThat(WindowsPower.classify(255, 255)).isEqualTo(PowerSource.UNKNOWN);
  }
}
