package dev.shoal.controlplane.publish;

import dev.shoal.controlplane.identity.Caller;
import dev.shoal.controlplane.release.Releases;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.UUID;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** Release managers publish, widen, pause, resume, refresh and roll back. */
@RestController
class PublishController {

  private final Publishing publishing;
  private final Releases releases;

  PublishController(Publishing publishing, Releases releases) {
    this.publishing = publishing;
    this.releases = releases;
  }

  record Rollout(@NotNull @Min(0) @Max(100) Integer rollout) {}

  record Rollback(@NotNull @Min(1) Long version) {}

  @Operation(summary = "Publish a READY release to a percentage of devices")
  @PostMapping("/api/v1/releases/{id}/publish")
  Releases.ReleaseView publish(
      Caller caller, @PathVariable UUID id, @Valid @RequestBody Rollout request) {
    publishing.publish(caller.organisationId(), id, request.rollout());
    return releases.view(caller.organisationId(), id);
  }

  @Operation(summary = "Widen a published release's rollout (never narrows)")
  @PatchMapping("/api/v1/releases/{id}/rollout")
  Releases.ReleaseView widen(
      Caller caller, @PathVariable UUID id, @Valid @RequestBody Rollout request) {
    publishing.widen(caller.organisationId(), id, request.rollout());
    return releases.view(caller.organisationId(), id);
  }

  @Operation(summary = "Pause a rollout: devices not yet on it stop being offered it")
  @PostMapping("/api/v1/releases/{id}/pause")
  Releases.ReleaseView pause(Caller caller, @PathVariable UUID id) {
    publishing.pause(caller.organisationId(), id, true);
    return releases.view(caller.organisationId(), id);
  }

  @Operation(summary = "Resume a paused rollout")
  @PostMapping("/api/v1/releases/{id}/resume")
  Releases.ReleaseView resume(Caller caller, @PathVariable UUID id) {
    publishing.pause(caller.organisationId(), id, false);
    return releases.view(caller.organisationId(), id);
  }

  @Operation(summary = "Re-sign the manifest with a fresh expiry (also done hourly by itself)")
  @PostMapping("/api/v1/releases/{id}/refresh")
  Releases.ReleaseView refresh(Caller caller, @PathVariable UUID id) {
    publishing.refresh(caller.organisationId(), id);
    return releases.view(caller.organisationId(), id);
  }

  @Operation(
      summary =
          "Roll back: a new, higher version with the target version's content, published to all")
  @PostMapping("/api/v1/products/{slug}/channels/{channel}/rollback")
  Releases.ReleaseView rollback(
      Caller caller,
      @PathVariable String slug,
      @PathVariable String channel,
      @Valid @RequestBody Rollback request) {
    UUID id = publishing.rollback(caller.organisationId(), slug, channel, request.version());
    return releases.view(caller.organisationId(), id);
  }
}
