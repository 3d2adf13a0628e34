/** The device's key pairs and control-plane request signing. */
package dev.shoal.agent.identity;
