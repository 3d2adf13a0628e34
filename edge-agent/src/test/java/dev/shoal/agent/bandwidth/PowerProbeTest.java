package dev.shoal.agent.bandwidth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds sysfs-shaped directories with real files, the way the kernel lays them out. */
class PowerProbeTest {
  @TempDir Path sys;

  @Test
  void laptopOnAdapter() throws IOException {
    supply("AC", "Mains", "online", "1");
    supply("BAT0", "Battery", "status", "Charging");
    assertThat(new PowerProbe(sys).read()).isEqualTo(PowerSource.MAINS);
  }

  @Test
  void laptopOnBattery() throws IOException {
    supply("AC", "Mains", "online", "0");
    supply("BAT0", "Battery", "status", "Discharging");
    assertThat(new PowerProbe(sys).read()).isEqualTo(PowerSource.BATTERY);
  }

  @Test
  void desktopWithoutSuppliesIsUnknown() {
    assertThat(new PowerProbe(sys).read()).isEqualTo(PowerSource.UNKNOWN);
    assertThat(new PowerProbe(sys.resolve("missing")).read()).isEqualTo(PowerSource.UNKNOWN);
  }

  @Test
  void fullBatteryWithoutAdapterInfoIsNotBattery() throws IOException {
    supply("BAT0", "Battery", "status", "Full");
    assertThat(new PowerProbe(sys).read()).isEqualTo(PowerSource.UNKNOWN);
  }

  private void supply(String name, String type, String file, String value) throws IOException {
    Path d = Files.createDirectories(sys.resolve(name));
    Files.writeString(d.resolve("type"), type + "\n");
    Files.writeString(d.resolve(file), value + "\n");
  }
}
