package dev.shoal.controlplane.security;

import dev.shoal.controlplane.identity.Caller;
import java.util.Collection;
import java.util.List;
import org.springframework.security.core.CredentialsContainer;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.UserDetails;

/** The principal of a dashboard session: the signed-in user as a {@link Caller}. */
final class SessionUser implements UserDetails, CredentialsContainer {

  private final Caller caller;
  private String passwordHash;

  SessionUser(Caller caller, String passwordHash) {
    this.caller = caller;
    this.passwordHash = passwordHash;
  }

  Caller caller() {
    return caller;
  }

  @Override
  public Collection<? extends GrantedAuthority> getAuthorities() {
    return List.of(new SimpleGrantedAuthority(caller.role().authority()));
  }

  @Override
  public String getPassword() {
    return passwordHash;
  }

  @Override
  public String getUsername() {
    return caller.name();
  }

  // The hash is not kept in the session once sign-in has checked it.
  @Override
  public void eraseCredentials() {
    passwordHash = null;
  }
}
