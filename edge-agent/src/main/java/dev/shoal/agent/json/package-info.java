/** Shared strict JSON mapping (Jackson 3). */
package dev.shoal.agent.json;
