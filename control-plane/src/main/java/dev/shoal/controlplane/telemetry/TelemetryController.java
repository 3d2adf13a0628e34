package dev.shoal.controlplane.telemetry;

import dev.shoal.controlplane.device.DeviceAttribute;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import java.util.UUID;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** Devices report each download. */
@RestController
record TelemetryController(Telemetry telemetry) {

  private static final long MAX_BYTES = 1L << 50;

  record DownloadReport(
      @NotNull UUID releaseId,
      @NotNull @PositiveOrZero @Max(MAX_BYTES) Long bytesFromPeers,
      @NotNull @PositiveOrZero @Max(MAX_BYTES) Long bytesFromOrigin,
      @NotNull @PositiveOrZero @Max(MAX_BYTES) Long bytesUploaded,
      @NotNull @PositiveOrZero @Max(31_536_000_000L) Long durationMs,
      @NotNull @Pattern(regexp = "[a-z][a-z0-9_]{0,31}", message = "must be 'ok' or an error kind")
          String result,
      // Older agents do not send it: a download then.
      Boolean cacheInstall) {}

  @Operation(
      summary =
          "Report one download (or an install from the agent's cache, cacheInstall: true):"
              + " release, bytes by source, duration, result")
  @PostMapping("/api/v1/device/telemetry")
  Telemetry.Totals report(@Valid @RequestBody DownloadReport body, HttpServletRequest request) {
    return telemetry.record(
        DeviceAttribute.of(request),
        new Telemetry.Report(
            body.releaseId(),
            body.bytesFromPeers(),
            body.bytesFromOrigin(),
            body.bytesUploaded(),
            body.durationMs(),
            body.result(),
            Boolean.TRUE.equals(body.cacheInstall())));
  }
}
