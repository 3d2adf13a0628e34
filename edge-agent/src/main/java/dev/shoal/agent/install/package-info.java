/**
 * Installing and updating games: the install queue ({@link dev.shoal.agent.install.Installs}), one
 * {@link dev.shoal.agent.install.InstallJob} per request (fetch and verify the signed manifest,
 * choose the delta or full pack, download it through the swarm with origin fallback, unwrap the
 * content key, install, report telemetry; pause, resume, cancel, verify and repair), and the {@link
 * dev.shoal.agent.install.Installer}: the free space checked first, only the changed and new files
 * built beside their old versions (cloned where the file system can), chunk reuse from the current
 * install, verification of every built file, and a journaled switch file by file that a crash at
 * any moment leaves as either the old or the new version. Every failure is an {@link
 * dev.shoal.agent.install.InstallException} with a stable code.
 */
package dev.shoal.agent.install;
