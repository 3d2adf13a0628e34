package dev.shoal.controlplane.telemetry;

import dev.shoal.controlplane.identity.Caller;
import io.swagger.v3.oas.annotations.Operation;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Per-release figures for the caller's organisation only (VIEWER). The public Prometheus endpoint
 * carries no tenant labels; this is where a publisher reads its own.
 */
@RestController
record TenantMetricsController(TenantMetrics metrics) {

  @Operation(
      summary =
          "Your organisation's figures per release and per product (VIEWER): downloads, failures,"
              + " installs from agents' caches, bytes devices fetched from peers and say they"
              + " fetched from the origin, bytes the origin served for the release's packs (HTTP"
              + " and seeder, as sampled), and the offload ratio (peers over peers plus origin"
              + " served). A product's figures are its releases' sums. Query: product (slug).")
  @GetMapping("/api/v1/metrics")
  TenantMetrics.OrganisationMetrics metrics(
      Caller caller, @RequestParam(required = false) String product) {
    return metrics.of(caller.organisationId(), product);
  }
}
