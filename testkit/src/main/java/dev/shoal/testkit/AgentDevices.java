package dev.shoal.testkit;

import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.identity.DeviceIdentity;
import dev.shoal.testsupport.Device;
import java.nio.file.Path;

/**
 * Devices whose keys are the edge agent's own {@link DeviceIdentity} (in a data directory), so the
 * tests that use them also prove the control plane accepts what the real agent signs.
 */
public final class AgentDevices {

  private AgentDevices() {}

  /** A new device with the agent's keys in {@code dataDir} (created if needed). */
  public static Device create(String baseUrl, Path dataDir) {
    DeviceIdentity identity = DeviceIdentity.loadOrCreate(DataDir.open(dataDir));
    return Device.create(
        baseUrl,
        new Device.Keys(
            identity.deviceId(),
            identity.signingPublicKey(),
            identity.agreementPublicKey(),
            identity.agreementPrivateKey(),
            identity::signRequest));
  }
}
