package dev.shoal.controlplane.release;

import dev.shoal.controlplane.identity.Caller;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The release API, all of {@code /api/v1/releases/{id}/**} but its swarm health: starting release
 * pipelines and watching them, a channel's release list, and the lifecycle release managers drive
 * (publish, widen, pause, resume, refresh, roll back).
 */
@RestController
record ReleasesController(ReleasePipeline pipeline, Publishing publishing, Releases releases) {

  record CreateRelease(
      @NotNull UUID uploadId,
      @NotBlank
          @Size(max = 128)
          @Pattern(regexp = "[\\x20-\\x7e\\u00a0-\\uffff]*", message = "must be printable text")
          String displayVersion) {}

  record Rollout(@NotNull @Min(0) @Max(100) Integer rollout) {}

  record Rollback(@NotNull @Min(1) Long version) {}

  @Operation(
      summary =
          "Build a release from a completed upload, in the background (RELEASE_MANAGER); poll"
              + " GET /api/v1/releases/{id}")
  @PostMapping("/api/v1/products/{slug}/channels/{channel}/releases")
  ResponseEntity<Releases.ReleaseView> create(
      Caller caller,
      @PathVariable String slug,
      @PathVariable String channel,
      @Valid @RequestBody CreateRelease request) {
    UUID id =
        pipeline.submit(
            caller.organisationId(), slug, channel, request.uploadId(), request.displayVersion());
    return ResponseEntity.accepted()
        .location(URI.create("/api/v1/releases/" + id))
        .body(releases.view(caller.organisationId(), id));
  }

  @Operation(summary = "Releases of a channel, newest first, with runs still in the pipeline")
  @GetMapping("/api/v1/products/{slug}/channels/{channel}/releases")
  List<Releases.ReleaseView> list(
      Caller caller, @PathVariable String slug, @PathVariable String channel) {
    return releases.list(caller.organisationId(), slug, channel);
  }

  @Operation(summary = "A release: pipeline state, percent, error; version and rollout once READY")
  @GetMapping("/api/v1/releases/{id}")
  Releases.ReleaseView get(Caller caller, @PathVariable UUID id) {
    return releases.view(caller.organisationId(), id);
  }

  @Operation(
      summary =
          "Delta pack sizes, newest base first: what a device on each earlier version fetches")
  @GetMapping("/api/v1/releases/{id}/deltas")
  List<Releases.DeltaSize> deltas(Caller caller, @PathVariable UUID id) {
    return releases.deltaSizes(caller.organisationId(), id);
  }

  @Operation(summary = "The signed manifest (SignedEnvelope canonical JSON)")
  @GetMapping(value = "/api/v1/releases/{id}/manifest", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<byte[]> manifest(Caller caller, @PathVariable UUID id) {
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .body(releases.get(caller.organisationId(), id).manifest());
  }

  @Operation(summary = "Publish a READY release to a percentage of devices")
  @PostMapping("/api/v1/releases/{id}/publish")
  Releases.ReleaseView publish(
      Caller caller, @PathVariable UUID id, @Valid @RequestBody Rollout request) {
    return viewAfter(caller, id, org -> publishing.publish(org, id, request.rollout()));
  }

  @Operation(summary = "Widen a published release's rollout (never narrows)")
  @PatchMapping("/api/v1/releases/{id}/rollout")
  Releases.ReleaseView widen(
      Caller caller, @PathVariable UUID id, @Valid @RequestBody Rollout request) {
    return viewAfter(caller, id, org -> publishing.widen(org, id, request.rollout()));
  }

  @Operation(summary = "Pause a rollout: devices not yet on it stop being offered it")
  @PostMapping("/api/v1/releases/{id}/pause")
  Releases.ReleaseView pause(Caller caller, @PathVariable UUID id) {
    return viewAfter(caller, id, org -> publishing.pause(org, id, true));
  }

  @Operation(summary = "Resume a paused rollout")
  @PostMapping("/api/v1/releases/{id}/resume")
  Releases.ReleaseView resume(Caller caller, @PathVariable UUID id) {
    return viewAfter(caller, id, org -> publishing.pause(org, id, false));
  }

  /** Changes the release within the caller's organisation, then answers with what it became. */
  private Releases.ReleaseView viewAfter(Caller caller, UUID id, Consumer<UUID> change) {
    change.accept(caller.organisationId());
    return releases.view(caller.organisationId(), id);
  }

  @Operation(summary = "Re-sign the manifest with a fresh expiry (also done hourly by itself)")
  @PostMapping("/api/v1/releases/{id}/refresh")
  Releases.ReleaseView refresh(Caller caller, @PathVariable UUID id) {
    return viewAfter(caller, id, org -> publishing.refresh(org, id));
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
