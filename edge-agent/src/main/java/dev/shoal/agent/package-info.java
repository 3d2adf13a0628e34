/** Shoal edge-agent. */
package dev.shoal.agent;
