package dev.shoal.agent.controlplane;

import java.net.URI;
import java.util.Base64;
import java.util.Objects;

/**
 * What the agent keeps after enrolling: where the control plane is, the organisation, the device id
 * and tracker passkey it was given, and the trust root it pins (canonical JSON, base64), which
 * advances only through rotations signed under the rules of {@code protocol}.
 */
public record Enrolment(
    URI controlPlane, String organisation, String deviceId, String passkey, String trustRoot) {
  public Enrolment {
    Objects.requireNonNull(controlPlane, "controlPlane");
    Objects.requireNonNull(organisation, "organisation");
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(passkey, "passkey");
    Objects.requireNonNull(trustRoot, "trustRoot");
  }

  public byte[] trustRootBytes() {
    return Base64.getDecoder().decode(trustRoot);
  }

  public Enrolment withTrustRoot(byte[] root) {
    return new Enrolment(
        controlPlane, organisation, deviceId, passkey, Base64.getEncoder().encodeToString(root));
  }
}
