package dev.shoal.controlplane.user;

import static dev.shoal.controlplane.refusal.Refusal.Kind.CONFLICT;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.refusal.Refusal;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;

/** Dashboard users. Only a password hash is stored. */
@Service
public class Users {

  private final JdbcClient jdbc;
  private final PasswordEncoder passwordEncoder;

  Users(JdbcClient jdbc, PasswordEncoder passwordEncoder) {
    this.jdbc = jdbc;
    this.passwordEncoder = passwordEncoder;
  }

  /** A user as the API shows it. */
  public record User(UUID id, String username, Role role, OffsetDateTime createdAt) {}

  /** What sign-in needs to check a password and build the session's caller. */
  public record SignInAccount(
      UUID id, UUID organisationId, String username, String passwordHash, Role role) {}

  public User create(UUID organisationId, String username, String rawPassword, Role role) {
    try {
      return jdbc.sql(
              """
              insert into users (organisation_id, username, password_hash, role)
              values (?, ?, ?, ?) returning id, username, role, created_at
              """)
          .params(organisationId, username, passwordEncoder.encode(rawPassword), role.name())
          .query(User.class)
          .single();
    } catch (DuplicateKeyException e) {
      throw new Refusal(CONFLICT, "The username '" + username + "' is taken");
    }
  }

  public List<User> list(UUID organisationId) {
    return jdbc.sql(
            "select id, username, role, created_at from users where organisation_id = ? order by"
                + " username")
        .param(organisationId)
        .query(User.class)
        .list();
  }

  public boolean anyExists() {
    return jdbc.sql("select exists (select 1 from users)").query(Boolean.class).single();
  }

  public Optional<SignInAccount> findForSignIn(String username) {
    return jdbc.sql(
            "select id, organisation_id, username, password_hash, role from users"
                + " where lower(username) = lower(?)")
        .param(username)
        .query(SignInAccount.class)
        .optional();
  }
}
