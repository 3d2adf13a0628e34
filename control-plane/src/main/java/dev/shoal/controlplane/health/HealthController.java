package dev.shoal.controlplane.health;

import dev.shoal.controlplane.identity.Caller;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import java.time.Instant;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Swarm health over time, for publishers (VIEWER). */
@RestController
record HealthController(SwarmHealth health) {

  static final String WINDOW =
      " Query: from, to (ISO-8601 instants; default the 24 hours before now), step (seconds,"
          + " 60..86400; default the smallest of 1 min, 5 min, 15 min, 1 h, 6 h, 1 day giving at"
          + " most 360 buckets). Buckets are aligned on multiples of step.";

  @Operation(
      summary =
          "Swarm health of a release over time (VIEWER): per bucket, the most devices seen in its"
              + " swarms at a tracker sample and how many offered uploads (null: no sample),"
              + " downloads and failures reported, bytes from peers and from the origin with the"
              + " offload ratio, and the origin's HTTP and seeder bytes for its packs."
              + WINDOW)
  @GetMapping("/api/v1/releases/{id}/health")
  SwarmHealth.SwarmHealthSeries release(
      Caller caller,
      @PathVariable UUID id,
      @Parameter(example = "2026-11-25T09:00:00Z") @RequestParam(required = false) String from,
      @Parameter(example = "2026-11-25T10:00:00Z") @RequestParam(required = false) String to,
      @Parameter(example = "60") @RequestParam(required = false) Long step) {
    return health.ofRelease(caller.organisationId(), id, Window.of(from, to, step, Instant.now()));
  }

  @Operation(
      summary =
          "Swarm health of every release of a product over time (VIEWER); the same numbers as"
              + " for a release, summed over the product's packs and reports."
              + WINDOW)
  @GetMapping("/api/v1/products/{slug}/health")
  SwarmHealth.SwarmHealthSeries product(
      Caller caller,
      @PathVariable String slug,
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      @RequestParam(required = false) Long step) {
    return health.ofProduct(
        caller.organisationId(), slug, Window.of(from, to, step, Instant.now()));
  }
}
