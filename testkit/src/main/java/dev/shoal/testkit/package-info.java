/** Shoal testkit. */
package dev.shoal.testkit;
