/** The {@code shoal-agent} command line (picocli). */
package dev.shoal.agent.cli;
