/** Shoal swarm. */
package dev.shoal.swarm;
