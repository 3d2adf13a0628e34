package dev.shoal.controlplane.cluster;

/**
 * Raised when this node (re)subscribes to the other nodes' events: at start, and after a lost Redis
 * connection came back. Events sent while it was not subscribed are lost (pub/sub keeps nothing),
 * so whatever a node caches on the strength of those events must be dropped.
 */
public record NodeEventsResumed() {}
