/**
 * Installs a verified release into an install directory: staging next to it, chunk reuse from the
 * current install, verification of every file, and an atomic, journaled directory swap that a crash
 * at any moment leaves as either the old or the new version ({@link
 * dev.shoal.agent.install.Installer}).
 */
package dev.shoal.agent.install;
