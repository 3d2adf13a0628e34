package dev.shoal.sdk;

import java.net.URI;

/**
 * Whether the agent is enrolled with a control plane, and where.
 *
 * @param enrolled whether the device is enrolled
 * @param controlPlane the control plane's URL, or {@code null} when not enrolled
 * @param organisation the organisation enrolled in, or {@code null} when not enrolled
 * @param deviceId this device's id (what a publisher grants entitlements to)
 */
public record Enrolment(boolean enrolled, URI controlPlane, String organisation, String deviceId) {}
