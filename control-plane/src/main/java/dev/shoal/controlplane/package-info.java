/** Shoal control-plane. */
package dev.shoal.controlplane;
