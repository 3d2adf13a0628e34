/**
 * Upload/download caps, the monthly allowance, upload hours, power and quiet mode; rate limiting.
 */
package dev.shoal.agent.bandwidth;
