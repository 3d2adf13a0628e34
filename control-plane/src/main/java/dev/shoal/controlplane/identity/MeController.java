package dev.shoal.controlplane.identity;

import dev.shoal.controlplane.organisation.Organisation;
import dev.shoal.controlplane.organisation.Organisations;
import io.swagger.v3.oas.annotations.Operation;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
record MeController(Organisations organisations) {

  record Me(Caller.Kind kind, UUID id, String name, Role role, Organisation organisation) {}

  @Operation(summary = "Who the caller is: user or API key, its organisation and role")
  @GetMapping("/api/v1/me")
  Me me(Caller caller) {
    Organisation organisation = organisations.find(caller.organisationId()).orElseThrow();
    return new Me(caller.kind(), caller.id(), caller.name(), caller.role(), organisation);
  }
}
