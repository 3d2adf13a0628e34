package dev.shoal.controlplane.entitlement;

import static dev.shoal.controlplane.refusal.Refusal.Kind.INVALID;
import static dev.shoal.controlplane.refusal.Refusal.Kind.NOT_FOUND;

import dev.shoal.controlplane.identity.Caller;
import dev.shoal.controlplane.refusal.Refusal;
import dev.shoal.protocol.signing.Ed25519;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** Release managers grant and revoke entitlements and register the publisher's token key. */
@RestController
record EntitlementsController(Entitlements entitlements) {

  record Grant(
      @Pattern(regexp = "d-[0-9a-f]{32}", message = "must be a device id") String deviceId,
      @Size(min = 1, max = 200) String player) {}

  record TokenKey(
      @NotBlank
          @Pattern(regexp = "[A-Za-z0-9_-]{43}", message = "must be a raw Ed25519 key, base64url")
          String publicKey) {}

  @Operation(summary = "Grant a product to a device or a player: {deviceId} or {player}")
  @PostMapping("/api/v1/products/{slug}/entitlements")
  ResponseEntity<Entitlements.Entitlement> grant(
      Caller caller, @PathVariable String slug, @Valid @RequestBody Grant request) {
    if ((request.deviceId() == null) == (request.player() == null)) {
      throw new Refusal(INVALID, "Give exactly one of deviceId and player");
    }
    Entitlements.Entitlement e =
        entitlements.grant(caller.organisationId(), slug, request.deviceId(), request.player());
    return ResponseEntity.created(
            URI.create("/api/v1/products/" + slug + "/entitlements/" + e.id()))
        .body(e);
  }

  @Operation(summary = "A product's entitlements, including revoked and token ones")
  @GetMapping("/api/v1/products/{slug}/entitlements")
  List<Entitlements.Entitlement> list(Caller caller, @PathVariable String slug) {
    return entitlements.list(caller.organisationId(), slug);
  }

  @Operation(summary = "Revoke an entitlement: no new keys or peer lists from now on")
  @DeleteMapping("/api/v1/products/{slug}/entitlements/{id}")
  ResponseEntity<Void> revoke(Caller caller, @PathVariable String slug, @PathVariable UUID id) {
    if (!entitlements.revoke(caller.organisationId(), slug, id)) {
      throw new Refusal(NOT_FOUND, "No entitlement " + id);
    }
    return ResponseEntity.noContent().build();
  }

  @Operation(summary = "Register the publisher's Ed25519 key for entitlement tokens (EdDSA JWT)")
  @PutMapping("/api/v1/products/{slug}/entitlement-key")
  ResponseEntity<Void> registerKey(
      Caller caller, @PathVariable String slug, @Valid @RequestBody TokenKey request) {
    byte[] raw = Base64.getUrlDecoder().decode(request.publicKey());
    try {
      Ed25519.publicKey(raw);
    } catch (IllegalArgumentException e) {
      throw new Refusal(INVALID, "Not an Ed25519 public key");
    }
    entitlements.registerKey(caller.organisationId(), slug, raw);
    return ResponseEntity.noContent().build();
  }
}
