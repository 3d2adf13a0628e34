package dev.shoal.controlplane.apikey;

import static dev.shoal.controlplane.refusal.Refusal.Kind.NOT_FOUND;

import dev.shoal.controlplane.identity.Caller;
import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.refusal.Refusal;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Admins issue, list and revoke their organisation's API keys. */
@RestController
@RequestMapping("/api/v1/api-keys")
record ApiKeysController(ApiKeys apiKeys) {

  record CreateApiKey(@NotBlank @Size(max = 100) String name, @NotNull Role role) {}

  /** The response to a creation: the only time {@code token} is ever shown. */
  record CreatedApiKey(
      UUID id, String name, Role role, String prefix, OffsetDateTime createdAt, String token) {}

  @Operation(summary = "API keys of the caller's organisation, without secrets (ADMIN)")
  @GetMapping
  List<ApiKeys.ApiKey> list(Caller caller) {
    return apiKeys.list(caller.organisationId());
  }

  @Operation(
      summary = "Issue an API key; the response holds its token, shown only this once (ADMIN)")
  @PostMapping
  ResponseEntity<CreatedApiKey> create(Caller caller, @Valid @RequestBody CreateApiKey request) {
    UUID createdBy = caller.kind() == Caller.Kind.USER ? caller.id() : null;
    ApiKeys.IssuedKey issued =
        apiKeys.issue(caller.organisationId(), request.role(), request.name(), createdBy);
    ApiKeys.ApiKey key = issued.key();
    return ResponseEntity.created(URI.create("/api/v1/api-keys/" + key.id()))
        .body(
            new CreatedApiKey(
                key.id(), key.name(), key.role(), key.prefix(), key.createdAt(), issued.token()));
  }

  @Operation(summary = "Revoke an API key; it stops working at once (ADMIN)")
  @DeleteMapping("/{id}")
  ResponseEntity<Void> revoke(Caller caller, @PathVariable UUID id) {
    if (!apiKeys.revoke(caller.organisationId(), id)) {
      throw new Refusal(NOT_FOUND, "No API key " + id);
    }
    return ResponseEntity.noContent().build();
  }
}
