package dev.shoal.controlplane.origin;

import static dev.shoal.controlplane.refusal.Refusal.Kind.FORBIDDEN;
import static dev.shoal.controlplane.refusal.Refusal.Kind.UNAUTHENTICATED;

import dev.shoal.controlplane.device.Devices;
import dev.shoal.controlplane.entitlement.Entitlements;
import dev.shoal.controlplane.refusal.Refusal;
import dev.shoal.controlplane.release.Releases;
import io.swagger.v3.oas.annotations.Hidden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.springframework.core.io.Resource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * Packs over HTTP, with Range support (Spring MVC answers Range requests on a Resource body with
 * 206 and the region): the fallback when peers are slow or absent, usable as a BEP 19 web seed. The
 * passkey in the path authenticates the device; its entitlement is checked on every request. The
 * bytes are paced by the origin's one budget ({@link OriginBudget}), shared with the seeder.
 */
@Hidden
@RestController
record OriginController(
    Devices devices, Entitlements entitlements, Releases releases, OriginBudget budget) {

  @GetMapping("/origin/{passkey}/packs/{infoHash}")
  ResponseEntity<Resource> pack(@PathVariable String passkey, @PathVariable String infoHash) {
    Devices.Device device =
        devices
            .byPasskey(passkey)
            .orElseThrow(() -> new Refusal(UNAUTHENTICATED, "Unknown passkey"));
    Releases.Pack pack =
        releases
            .pack(infoHash.toLowerCase(Locale.ROOT))
            .filter(p -> entitlements.isEntitled(device, p.productId()))
            .orElseThrow(() -> new Refusal(FORBIDDEN, "No such pack, or not entitled to it"));
    Path file = Path.of(pack.path());
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("Pack file missing: " + file);
    }
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .header("Accept-Ranges", "bytes")
        .body(budget.pack(file)); // the seeder's budget: one origin rate
  }
}
