/**
 * The agent's side of the control plane's device API: enrolment (and the enrolment the device
 * keeps, {@link dev.shoal.agent.controlplane.EnrolmentStore}), trust root and its rotations, signed
 * manifests, torrents, wrapped content keys, telemetry and consent records. Every request but the
 * public trust-root calls is signed with the device's Ed25519 key.
 */
package dev.shoal.agent.controlplane;
