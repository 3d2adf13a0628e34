/** The agent's private data directory: owner-only permissions, atomic writes, fsync'd logs. */
package dev.shoal.agent.fs;
