/**
 * Installing and updating games: fetch and verify the signed manifest, choose the delta or full
 * pack, download it through the swarm (origin fallback), unwrap the content key, install
 * atomically, report telemetry; plus pause, resume, cancel, verify and repair.
 */
package dev.shoal.agent.update;
