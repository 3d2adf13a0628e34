/** The loopback HTTP API and status page used by launchers, the SDK and the CLI. */
package dev.shoal.agent.localapi;
