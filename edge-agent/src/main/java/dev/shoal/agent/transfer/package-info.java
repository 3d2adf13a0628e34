/**
 * The agent's transfer layer: one {@link dev.shoal.swarm.Swarm} per agent, driven by consent and
 * the bandwidth policy, with bytes counted into the traffic meter by source.
 */
package dev.shoal.agent.transfer;
