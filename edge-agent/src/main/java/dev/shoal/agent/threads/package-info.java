/** How the agent names its threads (thread dumps and status pages say which part is busy). */
package dev.shoal.agent.threads;
