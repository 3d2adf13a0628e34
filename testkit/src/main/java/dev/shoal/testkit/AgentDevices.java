package dev.shoal.testkit;

import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.identity.DeviceIdentity;
import dev.shoal.testsupport.Device;
import java.net.URI;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.Map;

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
        new Device.Keys() {
          @Override
          public String deviceId() {
            return identity.deviceId();
          }

          @Override
          public String signingPublicKey() {
            return identity.signingPublicKey();
          }

          @Override
          public String agreementPublicKey() {
            return identity.agreementPublicKey();
          }

          @Override
          public PrivateKey agreementPrivateKey() {
            return identity.agreementPrivateKey();
          }

          @Override
          public Map<String, String> signRequest(
              String method, URI uri, byte[] body, Instant signedAt) {
            return identity.signRequest(method, uri, body, signedAt);
          }
        });
  }
}
