package dev.shoal.controlplane.device;

import jakarta.servlet.http.HttpServletRequest;

/** The device a signed request came from, for controllers of the device API. */
public final class DeviceAttribute {

  private DeviceAttribute() {}

  /** Set by the signature filter; never null behind it. */
  public static Devices.Device of(HttpServletRequest request) {
    Object device = request.getAttribute(SignedDeviceRequestFilter.DEVICE_ATTRIBUTE);
    if (!(device instanceof Devices.Device d)) {
      throw new IllegalStateException("Not a signed device request");
    }
    return d;
  }
}
