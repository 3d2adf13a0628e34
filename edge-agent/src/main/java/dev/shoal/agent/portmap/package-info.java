/**
 * Port mapping on the home router (NAT-PMP, UPnP IGD) for the engine's listening port, only while
 * uploads are allowed: a mapping opens the player's machine to the Internet.
 */
package dev.shoal.agent.portmap;
