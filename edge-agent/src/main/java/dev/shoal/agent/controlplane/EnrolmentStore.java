package dev.shoal.agent.controlplane;

import dev.shoal.agent.fs.DataDir;
import dev.shoal.agent.identity.DeviceIdentity;
import dev.shoal.agent.json.Json;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * The control plane this device is enrolled with ({@code state/enrolment.json}), and clients to it.
 * Thread-safe.
 */
public final class EnrolmentStore {
  private final DataDir dataDir;
  private final DeviceIdentity identity;
  private final Clock clock;
  private volatile Enrolment enrolment;

  public EnrolmentStore(DataDir dataDir, DeviceIdentity identity, Clock clock) {
    this.dataDir = dataDir;
    this.identity = identity;
    this.clock = clock;
    this.enrolment =
        dataDir
            .readString(file(dataDir))
            .map(s -> Json.MAPPER.readValue(s, Enrolment.class))
            .orElse(null);
  }

  private static Path file(DataDir dataDir) {
    return dataDir.stateDir().resolve("enrolment.json");
  }

  /** The control plane this agent is enrolled with, if any. */
  public Optional<Enrolment> current() {
    return Optional.ofNullable(enrolment);
  }

  /**
   * Enrols this device with the control plane at {@code url} in {@code organisation} (again, if
   * already enrolled: the passkey is rotated, the pinned trust root kept when the organisation is
   * the same).
   */
  public Enrolment enrol(URI url, String organisation, String region) throws ControlPlaneException {
    ControlPlane cp = new ControlPlane(url, identity, clock);
    Enrolment fresh = cp.enrol(organisation, region);
    Enrolment old = enrolment;
    if (old != null
        && old.organisation().equals(organisation)
        && old.controlPlane().equals(cp.base())) {
      fresh = fresh.withTrustRoot(old.trustRootBytes()); // keep the pinned root: rotations only
    }
    save(fresh);
    return fresh;
  }

  /** Keeps {@code e} (a new enrolment, or the same with a rotated trust root). */
  public synchronized void save(Enrolment e) {
    dataDir.writeAtomically(file(dataDir), Json.MAPPER.writeValueAsString(e));
    enrolment = e;
  }

  /** A client of the control plane {@code e} names, signing as this device. */
  public ControlPlane client(Enrolment e) {
    return new ControlPlane(e.controlPlane(), identity, clock);
  }
}
