/** What the agent is doing, as data ({@link dev.shoal.agent.status.AgentStatus}) and as a page. */
package dev.shoal.agent.status;
