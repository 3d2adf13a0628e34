package dev.shoal.controlplane.organisation;

import java.util.UUID;

/** A publisher: the unit that owns users, keys and products, and that nothing crosses. */
public record Organisation(UUID id, String slug, String name) {}
