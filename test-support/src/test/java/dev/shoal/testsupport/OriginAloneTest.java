package dev.shoal.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class OriginAloneTest {
  @Test
  void playersStartingTogetherShareTheOriginEvenly() {
    assertThat(OriginAlone.together(100, 10, 4)).containsOnly(40.0);
  }

  @Test
  void aLaterPlayerSharesOnlyWhileBothDownload() {
    // A alone for 5 s (50 bytes), then both at 5/s: A's last 50 take 10 s, then B alone at 10/s.
    double[] t = OriginAlone.times(100, 10, new double[] {0, 5}, new double[] {0, 0});
    assertThat(t[0]).isCloseTo(15.0, within(1e-9));
    assertThat(t[1]).isCloseTo(10.0 + 5.0, within(1e-9)); // 50 bytes by 15 s, 50 more at 10/s
  }

  @Test
  void aCappedPlayerLeavesItsUnusedShareToTheOthers() {
    double[] t = OriginAlone.times(100, 10, new double[] {0, 0}, new double[] {2, 0});
    assertThat(t[1]).isCloseTo(12.5, within(1e-9)); // 8/s
    assertThat(t[0]).isCloseTo(50.0, within(1e-9)); // held to its own 2/s throughout
  }
}
