/** Shoal protocol. */
package dev.shoal.protocol;
