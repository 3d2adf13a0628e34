/**
 * A hostile world of infrastructure faults, all real (no mocks): {@link
 * dev.shoal.testkit.faults.ControlPlaneRestartTest} (the control plane stopped mid-swarm and
 * started again on the same data, database and port), {@link
 * dev.shoal.testkit.faults.DatabaseRestartTest} (PostgreSQL crashed and restarted under a running
 * control plane), {@link dev.shoal.testkit.faults.OriginUnreachableTest} (origin seeder stopped and
 * HTTP origin refused by a {@link dev.shoal.testkit.faults.FaultProxy}), {@link
 * dev.shoal.testkit.faults.AgentKillTest} (the agent's own process killed with SIGKILL during an
 * update), {@link dev.shoal.testkit.faults.SustainedLoadTest} (bounded load on the tracker and the
 * local API), and {@link dev.shoal.testkit.faults.UploadConsentOnTheWireTest} (the upload-consent
 * bug those faults exposed).
 */
package dev.shoal.testkit.faults;
