package dev.shoal.controlplane.device;

import static dev.shoal.controlplane.refusal.Refusal.Kind.INVALID;
import static dev.shoal.controlplane.refusal.Refusal.Kind.NOT_FOUND;
import static dev.shoal.controlplane.refusal.Refusal.Kind.UNAUTHENTICATED;

import dev.shoal.controlplane.identity.Caller;
import dev.shoal.controlplane.refusal.Refusal;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.servlet.http.HttpServletRequest;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Device enrolment (signed by the key being enrolled) and the admins' device list. */
@RestController
record DeviceController(
    Devices devices,
    DeviceSignatures signatures,
    EnrolmentLimits enrolmentLimits,
    JsonMapper json) {

  private static final int MAX_BULK_REVOCATIONS = 10_000;
  private static final int MAX_PAGE = 1000;

  @Operation(
      summary =
          "Enrol a device: {organisation, signingPublicKey, agreementPublicKey, region?} (raw 32"
              + " byte keys, base64url), signed with X-Shoal-* headers by that signing key")
  @PostMapping("/api/v1/device/enrol")
  ResponseEntity<Devices.Enrolment> enrol(@RequestBody byte[] body, HttpServletRequest request) {
    JsonNode node;
    try {
      node = json.readTree(body);
    } catch (RuntimeException e) {
      throw bad("The body is not JSON");
    }
    byte[] signingKey = key(node, "signingPublicKey");
    byte[] agreementKey = key(node, "agreementPublicKey");
    String organisation = text(node, "organisation", "[a-z0-9][a-z0-9-]{0,62}");
    String region = node.has("region") ? text(node, "region", "[A-Za-z0-9._-]{0,64}") : "";
    String deviceId = Devices.deviceId(signingKey);
    if (!deviceId.equals(request.getHeader(DeviceSignatures.DEVICE))) {
      throw new Refusal(
          UNAUTHENTICATED, "X-Shoal-Device must be the id of the enrolled signing key");
    }
    try {
      dev.shoal.protocol.signing.Ed25519.publicKey(signingKey);
      dev.shoal.protocol.crypto.X25519.publicKey(agreementKey);
      signatures.verify(signingKey, deviceId, request, body);
    } catch (IllegalArgumentException e) {
      throw bad("Invalid public key: " + e.getMessage());
    } catch (DeviceSignatures.Refused e) {
      throw new Refusal(UNAUTHENTICATED, e.getMessage());
    }
    enrolmentLimits.take(request.getRemoteAddr(), organisation);
    return ResponseEntity.status(HttpStatus.CREATED)
        .body(devices.enrol(organisation, signingKey, agreementKey, region));
  }

  @Operation(
      summary =
          "A device leaves (the player uninstalled the agent): it is revoked at once, like an"
              + " admin revocation (signed by the device)")
  @DeleteMapping("/api/v1/device/enrolment")
  ResponseEntity<Void> leave(HttpServletRequest request) {
    Devices.Device device = DeviceAttribute.of(request);
    devices.revoke(device.organisationId(), device.id(), Devices.RevokedBy.PLAYER);
    return ResponseEntity.noContent().build();
  }

  @Operation(
      summary =
          "Devices enrolled in the caller's organisation, newest first, a page at a time: ?limit="
              + " (1–1000, default 100), ?after= the previous page's last device id; a Link"
              + " header (rel=\"next\") names the next page while there is one (VIEWER)")
  @GetMapping("/api/v1/devices")
  ResponseEntity<List<Devices.DeviceSummary>> list(
      Caller caller,
      @RequestParam(defaultValue = "100") int limit,
      @RequestParam(required = false) String after) {
    if (limit < 1 || limit > MAX_PAGE) {
      throw bad("'limit' must be between 1 and " + MAX_PAGE);
    }
    Devices.Page page;
    try {
      page = devices.list(caller.organisationId(), limit, after);
    } catch (IllegalArgumentException e) {
      throw bad("'after' names no device of this organisation");
    }
    ResponseEntity.BodyBuilder ok = ResponseEntity.ok();
    if (page.next() != null) {
      String next =
          UriComponentsBuilder.fromPath("/api/v1/devices")
              .queryParam("limit", limit)
              .queryParam("after", page.next())
              .toUriString();
      ok.header(HttpHeaders.LINK, "<" + next + ">; rel=\"next\"");
    }
    return ok.body(page.devices());
  }

  @Operation(summary = "Revoke a device: no more keys, peer lists or origin downloads (ADMIN)")
  @DeleteMapping("/api/v1/devices/{id}")
  ResponseEntity<Void> revoke(Caller caller, @PathVariable String id) {
    if (!devices.revoke(caller.organisationId(), id)) {
      throw new Refusal(NOT_FOUND, "No device " + id);
    }
    return ResponseEntity.noContent().build();
  }

  /** Devices to revoke at once: those listed, or every device enrolled since a time. */
  record Revocations(List<String> deviceIds, OffsetDateTime enrolledSince) {}

  /** How many devices a bulk revocation revoked (those revoked already are not counted). */
  record Revoked(int revoked) {}

  @Operation(
      summary =
          "Revoke many devices at once: {deviceIds: [...]} (up to 10,000) or {enrolledSince:"
              + " instant}, for a wave of devices nobody expected (ADMIN)")
  @PostMapping("/api/v1/devices/revocations")
  Revoked revokeMany(Caller caller, @RequestBody Revocations revocations) {
    if ((revocations.deviceIds() == null) == (revocations.enrolledSince() == null)) {
      throw bad("Give either 'deviceIds' or 'enrolledSince'");
    }
    if (revocations.deviceIds() != null) {
      if (revocations.deviceIds().size() > MAX_BULK_REVOCATIONS) {
        throw bad("At most " + MAX_BULK_REVOCATIONS + " device ids at once");
      }
      return new Revoked(devices.revoke(caller.organisationId(), revocations.deviceIds()));
    }
    return new Revoked(
        devices.revokeEnrolledSince(
            caller.organisationId(), revocations.enrolledSince().toInstant()));
  }

  private static byte[] key(JsonNode node, String field) {
    String text = text(node, field, "[A-Za-z0-9_-]{43}");
    return Base64.getUrlDecoder().decode(text);
  }

  private static String text(JsonNode node, String field, String pattern) {
    JsonNode value = node.get(field);
    if (value == null || !value.isString() || !value.asString().matches(pattern)) {
      throw bad("'" + field + "' is missing or malformed");
    }
    return value.asString();
  }

  private static Refusal bad(String detail) {
    return new Refusal(INVALID, detail);
  }
}
