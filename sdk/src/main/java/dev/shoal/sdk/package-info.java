/** Shoal sdk. */
package dev.shoal.sdk;
