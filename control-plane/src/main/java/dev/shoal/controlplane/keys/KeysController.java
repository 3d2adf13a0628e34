package dev.shoal.controlplane.keys;

import static dev.shoal.controlplane.refusal.Refusal.Kind.NOT_FOUND;

import dev.shoal.controlplane.identity.Caller;
import dev.shoal.controlplane.organisation.Organisation;
import dev.shoal.controlplane.organisation.Organisations;
import dev.shoal.controlplane.product.Products;
import dev.shoal.controlplane.refusal.Refusal;
import io.swagger.v3.oas.annotations.Operation;
import java.util.Base64;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Key rotation (admins) and the public trust-root chain (devices). */
@RestController
record KeysController(
    SigningKeys signingKeys,
    ContentKeys contentKeys,
    Products products,
    Organisations organisations) {

  record RotatedSigningKey(String keyId, int trustRootVersion) {}

  record RotatedContentKey(String contentKeyId) {}

  record Rotation(int version, String envelope) {}

  @Operation(summary = "Rotate the organisation's release signing key; makes a new trust root")
  @PostMapping("/api/v1/keys/signing/rotate")
  RotatedSigningKey rotateSigning(Caller caller) {
    SigningKeys.SigningKey key = signingKeys.rotate(caller.organisationId());
    return new RotatedSigningKey(
        key.keyId(), signingKeys.latestRoot(caller.organisationId()).orElseThrow().version());
  }

  @Operation(summary = "Rotate a product's content key; new releases use the new one (ADMIN)")
  @PostMapping("/api/v1/products/{slug}/content-keys/rotate")
  RotatedContentKey rotateContent(Caller caller, @PathVariable String slug) {
    Products.Product product = products.get(caller.organisationId(), slug);
    return new RotatedContentKey(contentKeys.rotate(product.id()).keyId());
  }

  @Operation(summary = "The organisation's current trust root, canonical JSON (public)")
  @GetMapping(value = "/api/v1/trust-root", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<byte[]> trustRoot(@RequestParam String organisation) {
    Organisation org = organisation(organisation);
    signingKeys.current(org.id());
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .body(signingKeys.latestRoot(org.id()).orElseThrow().root());
  }

  @Operation(
      summary =
          "Every trust root as a signed envelope (base64), version 1 first: a device pinned to"
              + " root n applies versions n+1.. in order (public)")
  @GetMapping("/api/v1/trust-root/rotations")
  List<Rotation> rotations(@RequestParam String organisation) {
    return signingKeys.roots(organisation(organisation).id()).stream()
        .map(r -> new Rotation(r.version(), Base64.getEncoder().encodeToString(r.envelope())))
        .toList();
  }

  private Organisation organisation(String slug) {
    return organisations
        .findBySlug(slug)
        .orElseThrow(() -> new Refusal(NOT_FOUND, "No organisation " + slug));
  }
}
