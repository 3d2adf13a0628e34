package dev.shoal.controlplane.release;

import dev.shoal.controlplane.identity.Caller;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** Starting release pipelines and watching them; the release list of a channel. */
@RestController
class ReleasesController {

  private final ReleasePipeline pipeline;
  private final Releases releases;

  ReleasesController(ReleasePipeline pipeline, Releases releases) {
    this.pipeline = pipeline;
    this.releases = releases;
  }

  record CreateRelease(
      @NotNull UUID uploadId,
      @NotBlank
          @Size(max = 128)
          @Pattern(regexp = "[\\x20-\\x7e\\u00a0-\\uffff]*", message = "must be printable text")
          String displayVersion) {}

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

  @Operation(summary = "The signed manifest (SignedEnvelope canonical JSON)")
  @GetMapping(value = "/api/v1/releases/{id}/manifest", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<byte[]> manifest(Caller caller, @PathVariable UUID id) {
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .body(releases.get(caller.organisationId(), id).manifest());
  }
}
