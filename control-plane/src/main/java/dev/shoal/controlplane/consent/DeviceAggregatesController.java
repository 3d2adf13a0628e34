package dev.shoal.controlplane.consent;

import dev.shoal.controlplane.health.Window;
import dev.shoal.controlplane.identity.Caller;
import io.swagger.v3.oas.annotations.Operation;
import java.time.Instant;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Device and consent counts of the caller's organisation (VIEWER): numbers only. */
@RestController
record DeviceAggregatesController(DeviceAggregates aggregates) {

  @Operation(
      summary =
          "Devices and consent of the organisation (VIEWER), aggregates only: now (enrolled,"
              + " revoked, with download consent, with upload consent, never answered) and per"
              + " bucket (enrolled and consenting devices at its end; enrolments, grants and"
              + " withdrawals in it, by scope). Query: from, to (ISO-8601 instants; default the 24"
              + " hours before now), step (seconds, 60..86400; default: at most 360 buckets).")
  @GetMapping("/api/v1/devices/aggregates")
  DeviceAggregates.DeviceConsentAggregates aggregates(
      Caller caller,
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      @RequestParam(required = false) Long step) {
    return aggregates.of(caller.organisationId(), Window.of(from, to, step, Instant.now()));
  }
}
