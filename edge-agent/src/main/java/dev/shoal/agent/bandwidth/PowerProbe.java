package dev.shoal.agent.bandwidth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reads the power source from Linux sysfs ({@code
 * /sys/class/power_supply/<name>/type|online|status}). Other systems report UNKNOWN for now
 * (Windows needs GetSystemPowerStatus via JNA, not wired yet).
 */
public final class PowerProbe {
  public static final Path LINUX_POWER_SUPPLY = Path.of("/sys/class/power_supply");

  private static final boolean WINDOWS =
      System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

  private final Path root;

  public PowerProbe(Path root) {
    this.root = root;
  }

  public PowerSource read() {
    if (WINDOWS) {
      return WindowsPower.read();
    }
    if (!Files.isDirectory(root)) {
      return PowerSource.UNKNOWN;
    }
    List<Path> supplies;
    try (Stream<Path> s = Files.list(root)) {
      supplies = s.toList();
    } catch (IOException e) {
      return PowerSource.UNKNOWN;
    }
    return classify(supplies);
  }

  private static PowerSource classify(List<Path> supplies) {
    boolean batteryDischarging = false;
    for (Path supply : supplies) {
      String type = readLower(supply.resolve("type"));
      if (type.equals("mains") || type.startsWith("usb")) {
        if (readLower(supply.resolve("online")).equals("1")) {
          return PowerSource.MAINS;
        }
      } else if (type.equals("battery")) {
        batteryDischarging |= readLower(supply.resolve("status")).equals("discharging");
      }
    }
    if (batteryDischarging) {
      return PowerSource.BATTERY;
    }
    // No adapter online and no discharging battery (desktop, VM, odd firmware): do not guess.
    return PowerSource.UNKNOWN;
  }

  private static String readLower(Path file) {
    try {
      return Files.readString(file).trim().toLowerCase(Locale.ROOT);
    } catch (IOException e) {
      return "";
    }
  }
}
