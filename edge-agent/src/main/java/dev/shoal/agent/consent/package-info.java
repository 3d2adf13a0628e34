/**
 * The player's yes or no to downloading from and uploading to other players, the texts shown, and
 * the outbox that sends each record to the control plane.
 */
package dev.shoal.agent.consent;
