package dev.shoal.agent.bandwidth;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;

/**
 * Windows power source via kernel32 {@code GetSystemPowerStatus}. Not in jna-platform, so declared
 * here; only touched on Windows (the library loads lazily on first use).
 */
final class WindowsPower {
  private static final int AC_OFFLINE = 0;
  private static final int AC_ONLINE = 1;
  private static final int NO_SYSTEM_BATTERY = 128;

  private WindowsPower() {}

  /** JNA binds the interface to the DLL; it cannot be a class. */
  interface Kernel32 extends Library {
    boolean GetSystemPowerStatus(SystemPowerStatus status);
  }

  /** SYSTEM_POWER_STATUS, field for field. */
  @Structure.FieldOrder({
    "ACLineStatus",
    "BatteryFlag",
    "BatteryLifePercent",
    "SystemStatusFlag",
    "BatteryLifeTime",
    "BatteryFullLifeTime"
  })
  public static final class SystemPowerStatus extends Structure {
    public byte ACLineStatus;
    public byte BatteryFlag;
    public byte BatteryLifePercent;
    public byte SystemStatusFlag;
    public int BatteryLifeTime;
    public int BatteryFullLifeTime;
  }

  private static final class Holder {
    static final Kernel32 KERNEL32 = Native.load("kernel32", Kernel32.class);
  }

  static PowerSource read() {
    try {
      SystemPowerStatus s = new SystemPowerStatus();
      if (!Holder.KERNEL32.GetSystemPowerStatus(s)) {
        return PowerSource.UNKNOWN;
      }
      return classify(Byte.toUnsignedInt(s.ACLineStatus), Byte.toUnsignedInt(s.BatteryFlag));
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return PowerSource.UNKNOWN;
    }
  }

  /** ACLineStatus 0 = offline, 1 = online, 255 = unknown; BatteryFlag 128 = no battery. */
  static PowerSource classify(int acLineStatus, int batteryFlag) {
    if (acLineStatus == AC_ONLINE) {
      return PowerSource.MAINS;
    }
    if (acLineStatus == AC_OFFLINE && batteryFlag != NO_SYSTEM_BATTERY) {
      return PowerSource.BATTERY;
    }
    return PowerSource.UNKNOWN;
  }
}
