package dev.shoal.controlplane.consent;

import static dev.shoal.controlplane.refusal.Refusal.Kind.FORBIDDEN;

import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.controlplane.device.DeviceAttribute;
import dev.shoal.controlplane.device.Devices;
import dev.shoal.controlplane.refusal.Refusal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/** Devices send each consent record of their agent's outbox here (signed, like the device API). */
@RestController
class ConsentController {

  private final Consents consents;
  private final ConsentRecords records;

  ConsentController(Consents consents, JsonMapper json, ShoalProperties properties) {
    this.consents = consents;
    this.records = new ConsentRecords(json, properties.device().maxClockSkew());
  }

  /** The body, for the API description: the agent's consent record, nothing more. */
  @Schema(name = "ConsentRecord")
  record ConsentRecordBody(
      @Schema(example = "d-0123456789abcdef0123456789abcdef") String deviceId,
      @Schema(allowableValues = {"DOWNLOAD_FROM_PEERS", "UPLOAD_TO_PEERS"}) String scope,
      @Schema(allowableValues = {"GRANTED", "WITHDRAWN"}) String decision,
      @Schema(example = "2026-11-25T10:15:30.123Z", format = "date-time") String at,
      @Schema(allowableValues = {"INSTALLER", "LAUNCHER", "SETTINGS", "CLI"}) String askedWhere,
      @Schema(example = "upload-to-peers", nullable = true) String textId,
      @Schema(example = "1", nullable = true) Integer textVersion,
      @Schema(example = "en", nullable = true) String textLocale,
      @Schema(description = "64 lower-case hex digits", nullable = true) String textSha256) {}

  @Operation(
      summary =
          "Store one consent record of the device's agent (signed device request). The text fields"
              + " are required for a grant, and are all null or all set for a withdrawal. 201 when"
              + " stored, 200 when the same record was already stored (resending is safe), 403"
              + " when deviceId is not the signing device, 409 when a different record has the"
              + " same device, scope, time and decision.",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
              content =
                  @Content(
                      mediaType = MediaType.APPLICATION_JSON_VALUE,
                      schema = @Schema(implementation = ConsentRecordBody.class))),
      responses = {
        @ApiResponse(responseCode = "201", description = "Stored"),
        @ApiResponse(responseCode = "200", description = "Already stored")
      })
  @PostMapping(value = "/api/v1/device/consent", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Consents.StoredConsentRecord> consent(
      @RequestBody byte[] body, HttpServletRequest request) {
    Devices.Device device = DeviceAttribute.of(request);
    ConsentRecords.ConsentRecord record = records.parse(body, Instant.now());
    if (!record.deviceId().equals(device.id())) {
      throw new Refusal(FORBIDDEN, "deviceId is not the device that signed this request");
    }
    Consents.Outcome outcome = consents.store(device, record);
    return ResponseEntity.status(outcome.created() ? HttpStatus.CREATED : HttpStatus.OK)
        .body(outcome.record());
  }
}
