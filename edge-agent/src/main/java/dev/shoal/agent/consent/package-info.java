/**
 * The player's yes or no to downloading from and uploading to other players, and the texts shown.
 */
package dev.shoal.agent.consent;
