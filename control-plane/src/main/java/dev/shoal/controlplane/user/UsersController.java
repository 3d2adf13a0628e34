package dev.shoal.controlplane.user;

import dev.shoal.controlplane.identity.Caller;
import dev.shoal.controlplane.identity.Role;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Admins manage the users of their own organisation. */
@RestController
@RequestMapping("/api/v1/users")
record UsersController(Users users) {

  record CreateUser(
      @NotBlank @Size(max = 254) String username,
      @NotBlank @Size(min = 12, max = 128) String password,
      @NotNull Role role) {}

  @Operation(summary = "Users of the caller's organisation (ADMIN)")
  @GetMapping
  List<Users.User> list(Caller caller) {
    return users.list(caller.organisationId());
  }

  @Operation(summary = "Create a user in the caller's organisation (ADMIN)")
  @PostMapping
  ResponseEntity<Users.User> create(Caller caller, @Valid @RequestBody CreateUser request) {
    Users.User user =
        users.create(
            caller.organisationId(), request.username(), request.password(), request.role());
    return ResponseEntity.created(URI.create("/api/v1/users/" + user.id())).body(user);
  }
}
